"""Which push endpoints the server will call: https on public hosts only, checked twice.

A push endpoint is an address a browser hands us and the server later POSTs to, so a
patient could otherwise aim the server at its own network (loopback, the cloud metadata
service, a database port). The address is checked when the phone subscribes, and again
after DNS resolution at send time, and the connection then goes to the checked address, so
a name that resolves differently the second time (DNS rebinding) changes nothing.
"""

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.config import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# The browsers' push services; in production the app posts to no other host.
PUSH_SERVICE_DOMAINS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
)
# Names that never lead to the public internet.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".lan", ".intranet")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeEndpoint(ValueError):
    """A push endpoint the server must not call; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked endpoint: where to connect (the resolved address) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]  # every one checked; tried in order


def allowed_hosts() -> set[str]:
    """Hosts (or host:port) exempt from the public-address rule: a local push service in tests."""
    return host_list(get_settings().push_allowed_hosts)


def host_list(raw: str) -> set[str]:
    """A comma-separated setting of hosts (or host:port) as a set."""
    return {part.strip().lower() for part in raw.split(",") if part.strip()}


def _allowed(host: str, port: int, listed: set[str]) -> bool:
    name = f"[{host}]" if ":" in host else host
    return host in listed or f"{name}:{port}" in listed


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet (IPv4 inside IPv6 judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address.teredo is not None:
            inner = address.teredo[1]
        if inner is None and address in _NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:
            return is_public(inner)
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def check_public_url(url: str, listed: set[str]) -> str:
    """Refuse a URL that is not https on a public host (before any DNS lookup); its host.

    Hosts in `listed` (a test-only setting) may also be plain http on any port.
    """
    # A line break sent on as part of a request line or header could add headers of its own.
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise UnsafeEndpoint("endpoint must not contain spaces, line breaks or control characters")
    parts = urlsplit(url)
    try:
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError as exc:
        raise UnsafeEndpoint("endpoint has an invalid port") from exc
    if not host:
        raise UnsafeEndpoint("endpoint must be an https URL")
    if parts.username is not None or parts.password is not None:
        raise UnsafeEndpoint("endpoint must not carry a user name or password")
    default = 443 if parts.scheme == "https" else 80
    if _allowed(host, port or default, listed) and parts.scheme in ("https", "http"):
        return host
    if parts.scheme != "https":
        raise UnsafeEndpoint("endpoint must be an https URL")
    if port not in (None, 443):
        raise UnsafeEndpoint("endpoint must use the standard https port")
    address = _literal(host)
    if address is not None:
        if not is_public(address):
            raise UnsafeEndpoint("endpoint must be on a public host")
    elif (
        host == "localhost"
        or host.endswith(_LOCAL_SUFFIXES)
        or "." not in host
        # A last label without letters is a number in disguise, such as 2130706433 or 127.1.
        or not any(c.isalpha() for c in host.rsplit(".", 1)[-1])
    ):
        raise UnsafeEndpoint("endpoint must be on a public host")
    return host


def check_endpoint(url: str) -> None:
    """Refuse a push endpoint that is not https on a public host (before any DNS lookup)."""
    host = check_public_url(url, allowed_hosts())
    if get_settings().environment == "production" and not any(
        host == d or host.endswith("." + d) for d in PUSH_SERVICE_DOMAINS
    ):
        raise UnsafeEndpoint("endpoint is not a known push service")


def resolve(
    url: str, listed: set[str] | None = None, check: Callable[[str], None] = check_endpoint
) -> Target:
    """Check the endpoint again, resolve it, and pick an address that is checked as well."""
    check(url)
    listed = allowed_hosts() if listed is None else listed
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeEndpoint(f"endpoint host does not resolve: {exc}") from exc
    addresses = [str(info[4][0]) for info in found]
    if not addresses:
        raise UnsafeEndpoint("endpoint host does not resolve")
    if not _allowed(host, port, listed):
        # Every address must be public: a name with one private answer is not trusted at all.
        for text in addresses:
            address = _literal(text)
            if address is None or not is_public(address):
                raise UnsafeEndpoint("endpoint resolves to an address that is not public")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, tuple(dict.fromkeys(addresses)))
