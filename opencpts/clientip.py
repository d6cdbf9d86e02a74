"""The client's address, and whether the request came from a trusted reverse proxy: the one rule used by the
login throttle, the public médecin-traitant form's limit, the audit trail and the SAS interface.

Behind reverse proxies each proxy appends the address it received the connection from to
``X-Forwarded-For``; whatever stands to the left of those appended values was sent by the client and proves
nothing. With ``TRUSTED_PROXY_HOPS = n`` (default 1 when ``BEHIND_PROXY``, 0 otherwise) the client is the
n-th value from the right, the one the outermost trusted proxy appended. When ``TRUSTED_PROXIES`` (CIDR
list) is set, forwarded values are read only from a peer (``REMOTE_ADDR``) in that list; otherwise the
deployment guarantees that only the proxy reaches the application. A missing, short or invalid header gives
``REMOTE_ADDR``: never a value the client chose.

Several ``X-Forwarded-For`` header lines arrive joined with commas, in order, so the rule is the same.
``Forwarded`` (RFC 7239) is not read. Run uvicorn with ``--no-proxy-headers`` so that ``REMOTE_ADDR`` is the
peer's address (docs/OPERATIONS.md « Reverse proxy and client addresses »).
"""

from __future__ import annotations

import functools
import ipaddress
import re

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_WITH_PORT = re.compile(
    r"^\[(?P<v6>[0-9A-Fa-f:.]+)\](?::\d{1,5})?$|^(?P<v4>\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$"
)


def parse_address(value: str | None) -> Address | None:
    """An IP address written by a proxy (plain, ``[v6]:port`` or ``v4:port``), IPv4-mapped IPv6 as IPv4;
    None for anything else (``unknown``, host names, garbage)."""
    text = (value or "").strip()
    if not text or len(text) > 64:
        return None
    match = _WITH_PORT.match(text)
    if match:
        text = match.group("v6") or match.group("v4")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return None
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
    return address


@functools.lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            continue  # settings.py refuses a bad entry at start-up; ignored here (fewer trusted peers)
        if (
            isinstance(network, ipaddress.IPv6Network)
            and network.subnet_of(_MAPPED)
            and network.prefixlen >= 96
        ):
            network = ipaddress.ip_network(f"{network.network_address.ipv4_mapped}/{network.prefixlen - 96}")
        networks.append(network)
    return tuple(networks)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def peer_address(request) -> Address | None:
    return parse_address(request.META.get("REMOTE_ADDR"))


def from_trusted_proxy(request) -> bool:
    """The connection comes from an address of ``TRUSTED_PROXIES`` (False when the list is empty)."""
    peer = peer_address(request)
    return peer is not None and any(peer in network for network in trusted_networks())


def client_address(request) -> Address | None:
    peer = peer_address(request)
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0) or 0)
    if hops <= 0:
        return peer
    if trusted_networks() and not from_trusted_proxy(request):
        return peer  # a direct connection: its forwarded headers are the client's own words
    values = [v for v in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if v.strip()]
    if len(values) < hops:
        return peer
    return parse_address(values[-hops]) or peer


def client_ip(request) -> str | None:
    """The client's address as text (for throttling keys and the audit trail), or None."""
    address = client_address(request)
    return str(address) if address is not None else None
