"""Settings precedence: flag > RESONANZ_* env > resonanz.toml > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from resonanz.config import Settings, load_settings, setting_help
from resonanz.errors import ConfigError


def test_defaults_without_anything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(env={})
    assert settings == Settings()
    assert settings.resolved_database_url().startswith("sqlite:///")
    assert settings.resolved_database_url().endswith("resonanz.db")


def test_precedence_flag_over_env_over_file(tmp_path: Path) -> None:
    config = tmp_path / "resonanz.toml"
    config.write_text('workspace = "from-file"\nbatch_size = 7\nhttp_timeout = 3\n')
    env = {"RESONANZ_CONFIG": str(config), "RESONANZ_WORKSPACE": "from-env"}
    settings = load_settings({"workspace": None}, env=env)
    assert settings.workspace == "from-env"  # env beats file; a None flag is "not given"
    assert settings.batch_size == 7  # file beats default
    assert settings.http_timeout == 3.0
    settings = load_settings({"workspace": "from-flag"}, env=env)
    assert settings.workspace == "from-flag"


def test_file_in_working_directory_and_resonanz_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "resonanz.toml").write_text("[resonanz]\nallow_private_targets = true\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={}).allow_private_targets is True


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RESONANZ_BATCH_SIZE": "many"}, "batch_size"),
        ({"RESONANZ_BATCH_SIZE": "0"}, "at least 1"),
        ({"RESONANZ_ALLOW_PRIVATE_TARGETS": "perhaps"}, "true/false"),
        ({"RESONANZ_CONFIG": "/nonexistent/resonanz.toml"}, "does not exist"),
    ],
)
def test_bad_values_name_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env=env)


def test_unknown_key_in_file_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "resonanz.toml"
    config.write_text("databse_url = 'x'\n")
    with pytest.raises(ConfigError, match="unknown setting 'databse_url'"):
        load_settings(env={}, config_file=config)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "resonanz.toml"
    config.write_text("workspace = \n")
    with pytest.raises(ConfigError, match=str(config)):
        load_settings(env={}, config_file=config)


def test_every_setting_has_help() -> None:
    for name, text in setting_help().items():
        assert len(text) > 15, name
