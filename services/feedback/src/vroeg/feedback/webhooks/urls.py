"""Which endpoint URLs a creditor may register."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from vroeg.shared.settings import DEVELOPMENT_ENVIRONMENTS, is_local_host


def refusal(url: str, environment: str) -> str | None:
    """Why `url` cannot be a creditor's endpoint, or None. https only (http in development
    and test); an absolute URL with a host, no credentials, no fragment; in production not this
    machine nor a link-local address (where cloud metadata services answer)."""
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
    if not development and (is_local_host(host) or _link_local(host)):
        return "The URL must name a host outside this deployment."
    return None


def _link_local(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_link_local
    except ValueError:
        return False
