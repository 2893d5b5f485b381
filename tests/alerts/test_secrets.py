"""Secrets at rest: AES-256-GCM round trip, tampering, key rotation, the key file."""

from __future__ import annotations

import base64
import hashlib
import stat
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from resonanz.config import Settings, load_settings
from resonanz.errors import ConfigError
from resonanz.secrets import (
    KEY_FILE_NAME,
    decrypt,
    encrypt,
    is_encrypted,
    key_ids,
    new_key,
    reencrypt,
)

SECRET = "xoxb-very-secret-token-ÄÖÜ"


def _settings(tmp_path: Path, key: str = "") -> Settings:
    return replace(Settings(), data_dir=str(tmp_path / "data"), encryption_key=key)


def _id(key: str) -> str:
    return hashlib.sha256(base64.b64decode(key)).hexdigest()[:8]


def test_round_trip_with_a_configured_key(tmp_path: Path) -> None:
    key = new_key()
    settings = _settings(tmp_path, key)
    token = encrypt(settings, SECRET)
    assert token.startswith(f"v1:{_id(key)}:")
    assert SECRET not in token and is_encrypted(token)
    assert decrypt(settings, token) == SECRET
    assert encrypt(settings, SECRET) != token  # a fresh nonce every time
    assert not (tmp_path / "data" / KEY_FILE_NAME).exists()  # the setting wins


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    token = encrypt(settings, SECRET)
    path = tmp_path / "data" / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_text()
    assert decrypt(settings, token) == SECRET
    encrypt(settings, "again")
    assert path.read_text() == first
    assert key_ids(settings) == [_id(first.strip())]
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE_NAME]  # no temporary left


def test_concurrent_first_use_agrees_on_one_key(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    ids: list[list[str]] = []
    threads = [threading.Thread(target=lambda: ids.append(key_ids(settings))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({tuple(i) for i in ids}) == 1


def test_tampered_ciphertext_is_rejected(tmp_path: Path) -> None:
    settings = _settings(tmp_path, new_key())
    token = encrypt(settings, SECRET)
    prefix, data = token.rsplit(":", 1)
    blob = bytearray(base64.b64decode(data))
    blob[-1] ^= 1
    altered = f"{prefix}:{base64.b64encode(bytes(blob)).decode()}"
    with pytest.raises(ConfigError, match="integrity check"):
        decrypt(settings, altered)
    with pytest.raises(ConfigError, match="truncated"):
        decrypt(settings, f"{prefix}:{base64.b64encode(bytes(blob[:20])).decode()}")
    with pytest.raises(ConfigError, match="not valid base64"):
        decrypt(settings, f"{prefix}:!!!")
    with pytest.raises(ConfigError, match="not an encrypted value"):
        decrypt(settings, SECRET)


def test_rotation_old_key_decrypts_reencrypt_uses_the_new_one(tmp_path: Path) -> None:
    old, new = new_key(), new_key()
    before = _settings(tmp_path, old)
    token = encrypt(before, SECRET)
    rotated = _settings(tmp_path, f"{new}, {old}")
    assert key_ids(rotated) == [_id(new), _id(old)]
    assert decrypt(rotated, token) == SECRET
    fresh = reencrypt(rotated, token)
    assert fresh.startswith(f"v1:{_id(new)}:")
    assert reencrypt(rotated, fresh) == fresh  # already current: unchanged
    after = _settings(tmp_path, new)
    assert decrypt(after, fresh) == SECRET
    with pytest.raises(ConfigError) as caught:
        decrypt(after, token)
    text = str(caught.value)
    assert f"encrypted with key {_id(old)}, which is not configured" in text
    assert old not in text and new not in text


def test_missing_key_with_a_key_file_names_it(tmp_path: Path) -> None:
    token = encrypt(_settings(tmp_path, new_key()), SECRET)
    with pytest.raises(ConfigError, match=r"not configured .*encryption_key"):
        decrypt(_settings(tmp_path), token)


def test_bad_keys_are_refused_without_echoing_them(tmp_path: Path) -> None:
    short = base64.b64encode(b"x" * 16).decode()
    with pytest.raises(ConfigError, match=r"key 2 of 2\) is not base64 of 32 bytes") as caught:
        encrypt(_settings(tmp_path, f"{new_key()},{short}"), SECRET)
    assert short not in str(caught.value)
    with pytest.raises(ConfigError, match="not base64"):
        encrypt(_settings(tmp_path, "not a key at all"), SECRET)
    path = tmp_path / "data" / KEY_FILE_NAME
    path.parent.mkdir(parents=True)
    path.write_text("garbage\n")
    with pytest.raises(ConfigError, match=str(path)):
        encrypt(_settings(tmp_path), SECRET)


def test_url_safe_base64_keys_work(tmp_path: Path) -> None:
    raw = bytes(range(200, 232))
    urlsafe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    standard = base64.b64encode(raw).decode()
    token = encrypt(_settings(tmp_path, urlsafe), SECRET)
    assert decrypt(_settings(tmp_path, standard), token) == SECRET


def test_the_key_setting_stays_out_of_repr() -> None:
    key = new_key()
    settings = load_settings(env={"RESONANZ_ENCRYPTION_KEY": key}, config_file=None)
    assert settings.encryption_key == key
    assert key not in repr(settings)
