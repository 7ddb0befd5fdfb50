"""Getting page bytes: local files (``local``) and HTTP (``http``)."""

from winnow.fetch.errors import FetchError
from winnow.fetch.http import fetch_url
from winnow.fetch.local import read_local

__all__ = ["FetchError", "fetch_url", "read_local"]
