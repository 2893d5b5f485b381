"""Secrets at rest (platform tokens, SMTP passwords, webhook secrets): AES-256-GCM.

A stored secret looks like ``v1:<key id>:<base64 of nonce + ciphertext + tag>``; the key id
is the first 8 hex digits of the key's SHA-256, so a value names the key it needs without
revealing it. Keys come from the setting ``encryption_key`` (base64 of 32 bytes, several
comma-separated: the first encrypts, all decrypt, which is how keys are rotated), else from
``data_dir/encryption_key``, created once with mode 0600. Nothing here logs a secret or
puts one in an error message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from resonanz.config import Settings
from resonanz.errors import ConfigError

__all__ = [
    "KEY_FILE_NAME",
    "decrypt",
    "encrypt",
    "is_encrypted",
    "key_ids",
    "new_key",
    "reencrypt",
]

KEY_FILE_NAME = "encryption_key"
_VERSION = "v1"
_KEY_BYTES = 32
_NONCE_BYTES = 12
# Binds a ciphertext to this format: a blob from another AES-GCM user does not decrypt here.
_AAD = b"resonanz-secret-v1"


@dataclass(frozen=True)
class _Key:
    id: str
    aead: AESGCM

    def __repr__(self) -> str:
        return f"<encryption key {self.id}>"


def new_key() -> str:
    """A fresh random key, base64 of 32 bytes, as the ``encryption_key`` setting expects."""
    return base64.b64encode(secrets.token_bytes(_KEY_BYTES)).decode("ascii")


def _key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:8]


def _decode_key(text: str, where: str) -> bytes:
    cleaned = text.strip()
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        try:
            raw = base64.b64decode(cleaned, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
    if len(raw) != _KEY_BYTES:
        # The text itself stays out of the message: it may be a real key with a typo.
        raise ConfigError(
            f"{where} is not base64 of {_KEY_BYTES} bytes; make a key with "
            "python -c 'import resonanz.secrets as s; print(s.new_key())'"
        )
    return raw


def _key_file(settings: Settings) -> Path:
    return Path(settings.resolved_data_dir()) / KEY_FILE_NAME


def _create_key_file(path: Path) -> None:
    """Write a new key to ``path`` unless one exists; never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(new_key() + "\n")
        # link() fails when another process created the file first: its key wins.
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


def _keys(settings: Settings) -> list[_Key]:
    if settings.encryption_key.strip():
        parts = [p for p in settings.encryption_key.split(",") if p.strip()]
        raws = [
            _decode_key(part, f"setting 'encryption_key' (key {number} of {len(parts)})")
            for number, part in enumerate(parts, 1)
        ]
    else:
        path = _key_file(settings)
        if not path.exists():
            _create_key_file(path)
        try:
            text = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the encryption key file {path}: {exc}") from exc
        raws = [_decode_key(text, f"the encryption key in {path}")]
    return [_Key(id=_key_id(raw), aead=AESGCM(raw)) for raw in raws]


def key_ids(settings: Settings) -> list[str]:
    """The ids of the configured keys, the encrypting one first."""
    return [key.id for key in _keys(settings)]


def is_encrypted(value: str) -> bool:
    """True when ``value`` looks like something ``encrypt`` made."""
    parts = value.split(":", 2)
    return len(parts) == 3 and parts[0] == _VERSION and len(parts[1]) == 8


def encrypt(settings: Settings, plaintext: str) -> str:
    """Encrypt ``plaintext`` with the first configured key: ``v1:<key id>:<base64>``."""
    key = _keys(settings)[0]
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, plaintext.encode("utf-8"), _AAD)
    return f"{_VERSION}:{key.id}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(settings: Settings, token: str) -> str:
    """The plaintext of a value ``encrypt`` made; ConfigError when no key fits or it was altered."""
    parts = token.strip().split(":", 2)
    if len(parts) != 3 or parts[0] != _VERSION:
        raise ConfigError(f"not an encrypted value (expected {_VERSION}:<key id>:<data>)")
    _, wanted, data = parts
    keys = _keys(settings)
    key = next((k for k in keys if k.id == wanted), None)
    if key is None:
        configured = ", ".join(k.id for k in keys)
        hint = (
            "put the old key after the new one in the setting 'encryption_key'"
            if settings.encryption_key.strip()
            else f"the key in {_key_file(settings)} is not it"
        )
        raise ConfigError(
            f"secret encrypted with key {wanted}, which is not configured "
            f"(configured: {configured}); {hint}"
        )
    try:
        blob = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"secret encrypted with key {wanted} is not valid base64") from exc
    if len(blob) < _NONCE_BYTES + 16:
        raise ConfigError(f"secret encrypted with key {wanted} is truncated")
    try:
        plain = key.aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _AAD)
    except InvalidTag:
        raise ConfigError(
            f"secret encrypted with key {wanted} failed its integrity check (altered or truncated)"
        ) from None
    return plain.decode("utf-8")


def reencrypt(settings: Settings, token: str) -> str:
    """``token`` encrypted with the current first key (unchanged when it already is)."""
    parts = token.strip().split(":", 2)
    current = _keys(settings)[0].id
    if len(parts) == 3 and parts[0] == _VERSION and parts[1] == current:
        decrypt(settings, token)  # still refuse a damaged value
        return token.strip()
    return encrypt(settings, decrypt(settings, token))
