"""Which endpoint URLs a creditor may register, and which addresses a delivery may reach."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from vroeg.shared.settings import DEVELOPMENT_ENVIRONMENTS, is_local_host

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# IPv6 addresses that carry an IPv4 one a gateway reaches: NAT64's well-known prefix.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def refusal(url: str, environment: str) -> str | None:
    """Why `url` cannot be a creditor's endpoint, or None. https only (http in development
    and test); an absolute URL with a host, no credentials, no fragment; in production not this
    machine, nor an address that is not public (private, shared, link-local where cloud
    metadata services answer, reserved). A name is checked where it resolves, at each send
    (`egress`)."""
    if not url.isascii() or not url.isprintable() or " " in url:
        return "The URL must be printable ASCII without spaces (percent-encode the rest)."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "The URL cannot be read."
    development = environment in DEVELOPMENT_ENVIRONMENTS
    allowed = {"https", "http"} if development else {"https"}
    if parts.scheme not in allowed:
        return "The URL must be https." if not development else "The URL must be http(s)."
    host = parts.hostname or ""
    if not host:
        return "The URL must name a host."
    if parts.username is not None or parts.password is not None:
        return "The URL must not carry credentials."
    if parts.fragment:
        return "The URL must not have a fragment."
    if port == 0:
        return "The URL's port cannot be 0."
    if development:
        return None
    if is_local_host(host):
        return "The URL must name a host outside this deployment."
    address = literal(host)
    if address is not None and not is_public(address):
        return "The URL must name a public address (not private, shared, link-local or reserved)."
    return None


def literal(host: str) -> Address | None:
    """The address a URL's host spells, if it is one (also the forms C's inet_aton reads,
    such as 10.1 or 0x0a.0.0.1, which resolvers take as addresses); None for a name."""
    name = host.strip("[]").rstrip(".").split("%")[0]
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except OSError:
        return None


def is_public(address: Address) -> bool:
    """Whether an address is on the public internet, also one an IPv6 address carries."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address.sixtofour is not None:
            return is_public(address.sixtofour)
        if address in _NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return address.is_global
