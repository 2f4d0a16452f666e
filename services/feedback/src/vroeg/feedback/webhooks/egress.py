"""One POST to a creditor's endpoint, made where the endpoint's name was checked to lead.

At each send the host is resolved; in production every address it resolves to must be public
(`urls.is_public`), or the attempt is refused. The connection goes to the address checked, the
name only in `Host` and in TLS's SNI (the certificate is still verified against the name), so
a name that resolves elsewhere a moment later (DNS rebinding) reaches nothing unchecked. A
refused send is a failed attempt like any other: retried, and parked when the policy runs out.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import httpx

from vroeg.feedback.webhooks import urls

# A host and port → the addresses to try, in order.
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


async def resolve(host: str, port: int) -> Sequence[str]:
    """The system resolver, off the event loop."""
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(sockaddr[0]) for *_, sockaddr in found]


@dataclass(frozen=True)
class Egress:
    """How this replica sends: its HTTP client, the attempt's time limit, whether only public
    addresses may be reached (outside development and test), and its resolver."""

    http: httpx.AsyncClient
    timeout_s: float
    public_only: bool
    resolver: Resolver = field(default=resolve)

    async def post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str | None]:
        """The status the endpoint answered, or what went wrong instead (never the body, nor
        where the name led)."""
        target = httpx.URL(url)
        host = target.raw_host.decode("ascii")
        port = target.port or (443 if target.scheme == "https" else 80)
        try:
            async with asyncio.timeout(self.timeout_s):
                try:
                    found = await self.resolver(host, port)
                except OSError:
                    return None, "refused: the host name does not resolve"
                addresses = [urls.literal(a) for a in found]
                checked = [a for a in addresses if a is not None]
                if not checked or len(checked) != len(addresses):
                    return None, "refused: the host name does not resolve to addresses"
                if self.public_only and not all(urls.is_public(a) for a in checked):
                    return None, "refused: the host name resolves to an address that is not public"
                answer = await self._post_to_one(target, checked, body, headers)
        except TimeoutError:
            return None, "timeout"
        except httpx.HTTPError as exc:
            return None, type(exc).__name__
        return answer.status_code, None if answer.is_success else f"HTTP {answer.status_code}"

    async def _post_to_one(
        self,
        target: httpx.URL,
        addresses: Sequence[urls.Address],
        body: bytes,
        headers: dict[str, str],
    ) -> httpx.Response:
        """POST to the first of the checked addresses that takes a connection (as a client
        that connects by name tries them); nothing was sent to one that took none."""
        *others, last = addresses
        for address in others:
            try:
                return await self._post_to(target, address, body, headers)
            except httpx.ConnectError:
                continue
        return await self._post_to(target, last, body, headers)

    async def _post_to(
        self, target: httpx.URL, address: urls.Address, body: bytes, headers: dict[str, str]
    ) -> httpx.Response:
        return await self.http.post(
            target.copy_with(host=str(address)),
            content=body,
            headers={**headers, "host": target.netloc.decode("ascii")},
            extensions={"sni_hostname": target.raw_host.decode("ascii")},
        )
