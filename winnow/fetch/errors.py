"""The errors fetching raises: one base class, and a failure that knows how to be logged."""

from __future__ import annotations


class FetchError(Exception):
    """A page could not be read; the message names the location and the cause."""


class FetchFailure(FetchError):
    """One fetch attempt failed, with a short class for ``fetch_log`` and whether to retry.

    ``error_class`` is a stable word to group by (``PrivateAddress``, ``BodyTooLarge``,
    ``HTTPStatus``, ``ReadTimeout``...), ``status`` the HTTP status when there was a response.
    """

    def __init__(
        self,
        error_class: str,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
        final_url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        self.final_url = final_url
