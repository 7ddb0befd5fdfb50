"""The error every fetcher raises for a page it cannot read."""


class FetchError(Exception):
    """A page could not be read; the message names the location and the cause."""
