"""Getting page bytes: local files (``local``), HTTP (``http``) and WARC records (``warc``)."""

from winnow.fetch.errors import FetchError
from winnow.fetch.http import fetch_url
from winnow.fetch.local import read_local
from winnow.fetch.warc import read_warc_payload

__all__ = ["FetchError", "fetch_url", "read_local", "read_warc_payload"]
