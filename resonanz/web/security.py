"""Passwords (argon2), the signing key, CSRF tokens and login rate limiting."""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections import defaultdict, deque
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from resonanz.config import Settings
from resonanz.errors import ConfigError, ValidationError

MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verified against when the e-mail address is unknown, so both cases take as long.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")


def hash_password(password: str) -> str:
    """An argon2id hash of a new password; ValidationError when it is too short."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > 1000:
        raise ValidationError("a password may have at most 1,000 characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when password matches; takes the same time when there is no user."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def signing_key(settings: Settings) -> str:
    """settings.secret_key, else the key in data_dir/secret_key (created once, mode 0600)."""
    if settings.secret_key:
        if len(settings.secret_key) < 32:
            raise ConfigError("setting 'secret_key' needs at least 32 characters")
        return settings.secret_key
    path = Path(settings.resolved_data_dir()) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    key = path.read_text().strip()
    if len(key) < 32:
        raise ConfigError(f"the key in {path} is too short: delete it to make a new one")
    return key


def new_csrf_token() -> str:
    """A random token bound to one session."""
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; False when either is missing."""
    return bool(expected and given) and hmac.compare_digest(str(expected), str(given))


class LoginLimiter:
    """Failed logins per key (e-mail address, client address) in a sliding window.

    Kept in memory: one web process. Several processes each keep their own count.
    """

    def __init__(self, attempts: int, window_s: float = 900.0) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)

    def blocked(self, *keys: str) -> bool:
        """True when any key has used up its attempts."""
        now = time.monotonic()
        for key in keys:
            failures = self._failures.get(key)
            if failures is None:
                continue
            while failures and now - failures[0] > self.window_s:
                failures.popleft()
            if len(failures) >= self.attempts:
                return True
        return False

    def failed(self, *keys: str) -> None:
        """Count a failed attempt for every key."""
        now = time.monotonic()
        for key in keys:
            self._failures[key].append(now)

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of these keys."""
        for key in keys:
            self._failures.pop(key, None)
