"""Fetching one page over HTTP with httpx."""

from __future__ import annotations

import httpx

from winnow.fetch.errors import FetchError

USER_AGENT = "Winnow/0.1 (article extraction)"


def fetch_url(url: str, client: httpx.Client | None = None, timeout: float = 20.0) -> bytes:
    """Body of ``url`` after redirects; a non-2xx status is a FetchError naming the URL."""
    own = client is None
    client = client or httpx.Client(
        follow_redirects=True, timeout=timeout, headers={"User-Agent": USER_AGENT}
    )
    try:
        response = client.get(url)
        if response.status_code >= 400:
            raise FetchError(f"{url}: HTTP {response.status_code}")
        return response.content
    except httpx.HTTPError as exc:
        raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
    finally:
        if own:
            client.close()
