"""Getting page bytes: local files (``local``), HTTP (``http``: the crawler's fetcher) and WARC
records (``warc``).

Submodules are imported on first use (PEP 562): reading local files must not import httpx and
fastwarc.
"""

from importlib import import_module
from typing import Any

_LAZY = {
    "FetchError": "winnow.fetch.errors",
    "FetchFailure": "winnow.fetch.errors",
    "FetchOptions": "winnow.fetch.options",
    "Fetched": "winnow.fetch.http",
    "Fetcher": "winnow.fetch.http",
    "Validators": "winnow.fetch.http",
    "fetch_url": "winnow.fetch.http",
    "load_fetch_options": "winnow.fetch.options",
    "read_local": "winnow.fetch.local",
    "read_warc_payload": "winnow.fetch.warc",
}
__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'winnow.fetch' has no attribute {name!r}")
