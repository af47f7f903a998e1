"""The client's address behind the reverse proxy: django-axes keys its lockouts on it (with the user name).

``X-Forwarded-For`` is believed only when the request comes from a proxy listed in ``CELLFLOW_TRUSTED_PROXIES``
(addresses or networks). The proxy appends the address it received the request from (nginx:
``$proxy_add_x_forwarded_for``), so the client's address is the right-most entry that is not itself a trusted
proxy; anything a client writes into the header stands to the left of it and is never read. Without trusted
proxies, or for a request that did not come through one, the address is the connection's (``REMOTE_ADDR``).
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """The networks of ``CELLFLOW_TRUSTED_PROXIES`` ("10.0.0.5", "10.0.1.0/24", "fd00::/8"); ValueError if one is
    not an address or network."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address | None, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address of the client that sent this request."""
    remote = request.META.get("REMOTE_ADDR") or None
    networks = trusted_networks(tuple(settings.CELLFLOW_TRUSTED_PROXIES))
    if not networks or not _is_trusted(_address(remote or ""), networks):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return remote  # not an address where a proxy wrote one: believe nothing further left
        if not _is_trusted(address, networks):
            return str(address)
    return str(_address(hops[0])) if hops else remote
