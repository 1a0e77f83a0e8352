"""The address a request really came from, behind the reverse proxies the operator trusts.

Behind a proxy every request's REMOTE_ADDR is the proxy's, so anything keyed on it (the sign-in
lockout, the password-reset throttle) would treat all clients as one. `X-Forwarded-For` names the
client, but anyone can send that header: it is believed only as far as it was written by
proxies listed in SHIPDESK_TRUSTED_PROXIES (IPs or CIDRs; empty by default, so the header is
ignored). Each proxy appends the address it received the request from, so the list is read from
the right: past our own proxies, the first address that is not one of them is the client;
whatever stands left of it came from the client and is ignored.

A proxy that reaches gunicorn over a Unix socket leaves REMOTE_ADDR empty: the entry `unix` in
SHIPDESK_TRUSTED_PROXIES says that such a peer is our proxy, so its header is read; without it an
empty peer stays unknown, as before (and `shipdesk check` says so when it serves on a socket).
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


# The entry that trusts a proxy connected over a Unix socket (whose REMOTE_ADDR is empty).
UNIX_SOCKET = "unix"


def trusted_proxy_networks(entries: list[str]) -> list[Network]:
    """SHIPDESK_TRUSTED_PROXIES read as networks; a wrong entry is a configuration error, said plainly."""
    networks = []
    for entry in entries:
        if entry.strip() == UNIX_SOCKET:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"SHIPDESK_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR range (e.g. 10.0.0.5 or "
                "10.0.0.0/24)."
            ) from None
    return networks


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 198.51.100.7:51234
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is the same client.
    return getattr(address, "ipv4_mapped", None) or address


@lru_cache(maxsize=8)
def _trusted(entries: tuple[str, ...]) -> tuple[list[Network], bool]:
    # Parsed once per distinct setting, not on every sign-in.
    return trusted_proxy_networks(list(entries)), any(entry.strip() == UNIX_SOCKET for entry in entries)


def client_ip(request: HttpRequest) -> str:
    """The client's address as text (django-axes' AXES_CLIENT_IP_CALLABLE, and our throttles)."""
    trusted, unix_socket_trusted = _trusted(tuple(settings.SHIPDESK_TRUSTED_PROXIES))
    remote = request.META.get("REMOTE_ADDR", "") or ""
    peer = _address(remote)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()] if forwarded else []
    if peer is None:
        if not (remote == "" and unix_socket_trusted and hops):
            return remote
        # Our proxy over a Unix socket: the address it appended is the first hop to read.
        peer = _address(hops.pop())
        if peer is None:
            logger.warning("Ignored an X-Forwarded-For entry that is not an address, behind a Unix-socket proxy.")
            return remote

    def is_trusted(address: Address) -> bool:
        return any(address.version == network.version and address in network for network in trusted)

    client = peer
    while is_trusted(client) and hops:
        hop = _address(hops.pop())
        if hop is None:
            # Not an address: written by the client, not by one of our proxies. The last
            # address our proxies vouch for is the best we know.
            logger.warning("Ignored an X-Forwarded-For entry that is not an address, behind %s.", client)
            break
        client = hop
    return str(client)
