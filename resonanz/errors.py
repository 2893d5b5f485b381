"""One error tree for all of Resonanz.

    ResonanzError
    ├── ConfigError(ValueError)          a setting is missing or invalid
    ├── ValidationError(ValueError)      user input is invalid (empty name, unknown kind)
    ├── QueryError(ValueError)           a topic query does not parse; carries position
    ├── NotFoundError(LookupError)       a workspace, topic or source does not exist
    ├── ConflictError(ValueError)        a name is already taken
    ├── StoreError                       the database refused or failed
    │   └── MigrationError               the schema could not be brought up to date
    ├── SourceError                      a connector could not fetch
    │   ├── FetchError                   network failure, timeout, HTTP error status
    │   │   └── RateLimited              HTTP 429 / quota exhausted; carries retry_after
    │   ├── UnsafeURLError(ValueError)   a user-typed URL points to a private or invalid target
    │   ├── AuthError                    credentials rejected or expired (not retried)
    │   └── ParseError(ValueError)       the payload (feed, file, row) is malformed;
    │                                    carries where (file/line or URL)
    ├── PluginError                      a plugin failed to load or registered nonsense
    ├── DeliveryError                    a notifier could not deliver an alert; ``permanent``
    │                                    when retrying cannot help (wrong password, 404)
    └── PublishError                     a channel could not publish a post; ``permanent``
                                         (revoked token, content rejected), ``in_doubt``
                                         (the platform may have accepted it), ``retry_after``

The CLI turns a ResonanzError into a one-line message and a non-zero exit code;
the web layer turns it into an HTTP error.
"""

from __future__ import annotations


class ResonanzError(Exception):
    """Root of every error Resonanz raises on purpose."""


class ConfigError(ResonanzError, ValueError):
    """A setting is missing or invalid."""


class ValidationError(ResonanzError, ValueError):
    """User input is invalid: an empty name, an unknown kind."""


class QueryError(ResonanzError, ValueError):
    """A topic query is invalid; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int = 0, query: str = "") -> None:
        self.message = message
        self.position = position
        self.query = query
        super().__init__(f"{message} (at position {position})")


class NotFoundError(ResonanzError, LookupError):
    """A workspace, topic, source or mention does not exist."""


class ConflictError(ResonanzError, ValueError):
    """An object with that name already exists."""


class StoreError(ResonanzError):
    """The database refused or failed an operation."""


class MigrationError(StoreError):
    """The schema could not be brought up to date."""


class SourceError(ResonanzError):
    """A connector could not fetch."""


class FetchError(SourceError):
    """Network failure, timeout or an HTTP error status."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message)


class RateLimited(FetchError):
    """The platform said 429 or a quota is exhausted; retry after ``retry_after`` seconds."""

    def __init__(self, message: str, *, url: str = "", retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message, url=url, status=429)


class UnsafeURLError(SourceError, ValueError):
    """A user-typed URL is invalid or points to a private network target."""


class AuthError(SourceError):
    """Credentials were rejected or have expired; retrying will not help."""


class ParseError(SourceError, ValueError):
    """A payload (feed, file, row) is malformed; ``where`` names the file/line or URL."""

    def __init__(self, message: str, *, where: str = "") -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class PluginError(ResonanzError):
    """A plugin failed to load or registered something invalid."""


class DeliveryError(ResonanzError):
    """A notifier could not deliver an alert; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        self.permanent = permanent
        super().__init__(message)


class PublishError(ResonanzError):
    """A channel could not publish a post.

    ``permanent``: retrying cannot help (revoked token, content rejected); ``auth``: the
    credentials were refused (the channel is disconnected); ``in_doubt``: the platform may
    have accepted it (a timeout, a 5xx); ``retry_after``: the wait the platform asked for.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        auth: bool = False,
        in_doubt: bool = False,
        retry_after: float | None = None,
    ) -> None:
        self.permanent = permanent or auth
        self.auth = auth
        self.in_doubt = in_doubt
        self.retry_after = retry_after
        super().__init__(message)
