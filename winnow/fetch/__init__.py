"""Getting page bytes: local files (``local``), HTTP (``http``: the crawler's fetcher) and WARC
records (``warc``)."""

from winnow.fetch.errors import FetchError, FetchFailure
from winnow.fetch.http import Fetched, Fetcher, Validators, fetch_url
from winnow.fetch.local import read_local
from winnow.fetch.options import FetchOptions, load_fetch_options
from winnow.fetch.warc import read_warc_payload

__all__ = [
    "FetchError",
    "FetchFailure",
    "FetchOptions",
    "Fetched",
    "Fetcher",
    "Validators",
    "fetch_url",
    "load_fetch_options",
    "read_local",
    "read_warc_payload",
]
