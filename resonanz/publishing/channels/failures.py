"""Platform call failures as PublishErrors: transient or permanent, in doubt or not.

In doubt means the platform may have accepted the post although we did not learn it: the
request was sent and then the answer timed out, the connection broke, or the server
answered 5xx (it may have stored the post before failing). A refused connection, a 429
and a 4xx are definite: nothing was published.
"""

from __future__ import annotations

import httpx

from resonanz.errors import AuthError, FetchError, ParseError, PublishError, RateLimited

_DEFINITE_TRANSIENT = frozenset({408, 425, 429})


def publish_failure(exc: Exception, channel: str) -> PublishError:
    """The PublishError for a failure of a platform call made by ApiClient."""
    if isinstance(exc, PublishError):
        return exc
    said = f"{channel}: {exc}"
    if isinstance(exc, AuthError):
        return PublishError(said, auth=True)
    if isinstance(exc, RateLimited):
        return PublishError(said, retry_after=exc.retry_after)
    if isinstance(exc, ParseError):
        return PublishError(said, in_doubt=True)
    if isinstance(exc, FetchError):
        if exc.status is None:
            never_sent = isinstance(exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout)
            return PublishError(said, in_doubt=not never_sent)
        if exc.status in _DEFINITE_TRANSIENT:
            return PublishError(said)
        if exc.status >= 500:
            return PublishError(said, in_doubt=True)
        return PublishError(said, permanent=True)
    return PublishError(said, permanent=True)
