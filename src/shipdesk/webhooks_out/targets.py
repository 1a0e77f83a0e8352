"""Where a webhook may be sent: public addresses only, checked after DNS resolution.

A seller chooses the URL, and Shipdesk's worker calls it from inside the marketplace's network.
So a target is refused when any address its host resolves to is not globally routable —
loopback, private (RFC 1918, unique-local), link-local (169.254.169.254, the cloud metadata
service), carrier-grade NAT, multicast, reserved, unspecified — including IPv4 inside IPv6.
Every address is checked, not the first: a name resolving to one public and one private address
is refused. The check runs at subscription time (so the seller hears it at once), again before
every request and on every redirect (a name may be re-pointed after subscribing), and the
request then connects to an address that was checked (no second lookup a rebinding DNS could
answer differently).

`SHIPDESK_WEBHOOKS["allowed_networks"]` (CIDRs) lets an operator allow a private range on
purpose (a development machine, the test suite's receiver on 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from shipdesk.single_line import single_line_problem

MAX_URL_LENGTH = 2000
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """The URL may not be called; the message says why, in the seller's words."""


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str  # http or https
    host: str  # as written in the URL (the TLS name and the Host header)
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]  # every address the host resolved to, each checked


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.SHIPDESK_WEBHOOKS["allowed_networks"]]


def address_problem(address: IpAddress) -> str:
    """Why Shipdesk must not call `address` ("" when it may)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if any(address in network for network in _allowed_networks()):
        return ""
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if not address.is_global or address.is_multicast:
        return "a reserved address"
    return ""


def parse_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of an http(s) URL, or TargetRefused with the reason."""
    if not url or len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"Give a URL of at most {MAX_URL_LENGTH} characters.")
    if single_line_problem(url) or any(ch.isspace() for ch in url):
        raise TargetRefused("A URL has no spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"Not a valid URL ({exc}).") from None
    if parts.scheme not in ("http", "https"):
        raise TargetRefused("Use an http:// or https:// URL.")
    if not parts.hostname:
        raise TargetRefused("The URL needs a host name.")
    if parts.username or parts.password:
        raise TargetRefused("Put no user name or password in the URL; verify our signature instead.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


# getaddrinfo has no timeout of its own: a slow resolver must not hold a web request or a worker,
# so lookups run in these threads and are abandoned after `resolve_timeout_seconds`.
_RESOLVERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


def resolve(host: str, port: int) -> tuple[str, ...]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    lookup = _RESOLVERS.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=settings.SHIPDESK_WEBHOOKS["resolve_timeout_seconds"])
    except FutureTimeout:
        raise TargetRefused(f"The host name {host!r} did not resolve in time.") from None
    except (socket.gaierror, UnicodeError, ValueError, OSError):
        raise TargetRefused(f"The host name {host!r} does not resolve.") from None
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise TargetRefused(f"The host name {host!r} does not resolve.")
    return tuple(addresses)


def check_target(url: str) -> Target:
    """The URL, resolved, with every address allowed; TargetRefused otherwise (no request made)."""
    scheme, host, port, path = parse_url(url)
    addresses = resolve(host, port)
    for address in addresses:
        if problem := address_problem(ipaddress.ip_address(address)):
            shown = host if host == address else f"{host} ({address})"
            raise TargetRefused(f"{shown} is {problem}: webhooks go to public addresses only.")
    return Target(url=url, scheme=scheme, host=host, port=port, path=path, addresses=addresses)
