"""Keeping the crawler out of the user's network: http(s) only, public addresses only.

A URL list, a sitemap or a redirect could point the crawler at ``http://10.0.0.1/admin`` or a
cloud metadata address. Two guards, both on by default (``fetch.allow_private: true`` lifts
the address rule for local testing, ``fetch.private_hosts: [intranet.local:8080]`` lifts it for
the listed hosts only):

* before each request, and again after every redirect, the URL's scheme must be http(s) and
  every address its host resolves to must be public (:func:`check_url`);
* at connect time the network backend resolves the host once more, refuses a non-public
  address and connects to the address it checked (:class:`GuardedBackend`), so a DNS answer
  that changes between the check and the connection (DNS rebinding) gets nowhere either.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore

from winnow.fetch.errors import FetchFailure

SCHEMES = ("http", "https")


def is_public(address: str) -> bool:
    """Whether an IP address is globally routable (not private, loopback, link-local...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve(host: str, port: int) -> list[str]:
    """Addresses of ``host`` (an IP literal resolves to itself)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except OSError as exc:
        raise FetchFailure("DNSError", f"cannot resolve {host}: {exc}", retryable=True) from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def refuse_private(host: str, addresses: Iterable[str]) -> None:
    """FetchFailure ``PrivateAddress`` when any address of ``host`` is not public."""
    private = [a for a in addresses if not is_public(a)]
    if private:
        raise FetchFailure(
            "PrivateAddress",
            f"{host} resolves to a private/loopback/link-local address ({private[0]}); "
            "set fetch.allow_private: true to crawl such hosts",
        )


def exempt(host: str, port: int, allow_private: bool, private_hosts: Iterable[str]) -> bool:
    """Whether ``host:port`` may use private addresses (all may, or it is listed)."""
    host = host.lower().strip("[]")
    return allow_private or any(entry in (host, f"{host}:{port}") for entry in private_hosts)


async def check_url(url: str, allow_private: bool, private_hosts: Iterable[str] = ()) -> None:
    """Refuse a URL that is not http(s), or whose host resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise FetchFailure("UnsupportedScheme", f"{url}: only http and https URLs are fetched")
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    if exempt(parts.hostname, port, allow_private, private_hosts):
        return
    try:
        refuse_private(parts.hostname, await resolve(parts.hostname, port))
    except FetchFailure as failure:
        raise FetchFailure(failure.error_class, f"{url}: {failure}") from None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to public addresses it resolved itself."""

    def __init__(self, allow_private: bool, private_hosts: Iterable[str] = ()) -> None:
        self.allow_private = allow_private
        self.private_hosts = tuple(h.lower() for h in private_hosts)
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable | None = None,
    ) -> httpcore.AsyncNetworkStream:
        target = host
        if not exempt(host, port, self.allow_private, self.private_hosts):
            addresses = await resolve(host, port)
            refuse_private(host, addresses)
            target = addresses[0]  # TLS still verifies and sends SNI for ``host``
        return await self.inner.connect_tcp(
            target,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(self, *args, **kwargs) -> httpcore.AsyncNetworkStream:
        raise FetchFailure("UnsupportedScheme", "unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
