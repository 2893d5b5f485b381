"""Settings, each with its help text, and the one function that loads them.

Precedence (highest first): CLI flag > ``RESONANZ_<NAME>`` environment variable >
``resonanz.toml`` (``RESONANZ_CONFIG`` path, else ./resonanz.toml) > default.
There is no module-level settings object: callers pass ``Settings`` explicitly.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from resonanz.errors import ConfigError

ENV_PREFIX = "RESONANZ_"
CONFIG_FILE_NAME = "resonanz.toml"


def _setting(default: Any, help: str, *, secret: bool = False) -> Any:
    # A secret setting stays out of repr() (and so out of logs and tracebacks).
    return field(default=default, repr=not secret, metadata={"help": help, "secret": secret})


@dataclass(frozen=True)
class Settings:
    """All settings of Resonanz. Every field carries its help text in ``metadata``."""

    data_dir: str = _setting(
        "", "Folder for the SQLite database and other local data (default: the user data dir)."
    )
    database_url: str = _setting(
        "",
        "SQLAlchemy URL of the store: sqlite:///path.db (default, in data_dir) or "
        "postgresql+psycopg://user@host/db for teams.",
    )
    workspace: str = _setting(
        "default", "Slug of the workspace CLI commands act on when none is given."
    )
    allow_private_targets: bool = _setting(
        False,
        "Allow fetching URLs that resolve to private, loopback or link-local addresses "
        "(off: such feeds are refused to protect the server's network).",
    )
    http_timeout: float = _setting(20.0, "Timeout in seconds for each HTTP connect/read.")
    http_max_bytes: int = _setting(
        20_000_000, "Largest response body the fetcher accepts, in bytes."
    )
    http_max_redirects: int = _setting(5, "Redirects the fetcher follows before giving up.")
    http_retries: int = _setting(
        3,
        "Retries of a platform call after a transient failure (429, 5xx, timeout), with "
        "exponential backoff and jitter.",
    )
    http_backoff_max: float = _setting(
        60.0,
        "Longest wait in seconds before a retry; a platform asking to wait longer ends the "
        "run (the next run resumes from the cursor).",
    )
    user_agent: str = _setting(
        "Resonanz/0.1 (+https://github.com/resonanz)", "User-Agent header sent to sites."
    )
    batch_size: int = _setting(
        500, "Mentions per pipeline batch (one transaction, one cursor update)."
    )
    language_detection: bool = _setting(
        True, "Detect the language of mentions whose platform does not state it."
    )
    languages: str = _setting(
        "de,en,fr,es,it,nl,pl,pt,tr,da,sv",
        "Comma-separated ISO 639-1 codes the language detector chooses from "
        "(fewer languages: faster and more accurate on short posts).",
    )
    sentiment_analysis: bool = _setting(
        True,
        "Label German and English mentions negative/neutral/positive with a score (the "
        "sentiment enricher; the workspace's trained model where one exists, else the default).",
    )
    sentiment_backend: str = _setting(
        "default",
        "Sentiment model: default (shipped, German and English) or transformer (a Hugging Face "
        "model you downloaded, in sentiment_model_path; needs "
        "pip install 'resonanz[transformers]').",
    )
    sentiment_model_path: str = _setting(
        "", "Folder of a downloaded Hugging Face model for the transformer backend (never fetched)."
    )
    sentiment_batch_size: int = _setting(
        32, "Texts per forward pass of the transformer backend (memory grows with it)."
    )
    sentiment_device: str = _setting(
        "cpu", "Where the transformer backend runs: cpu, cuda, cuda:1 or mps."
    )
    sentiment_label_map: str = _setting(
        "",
        "How the transformer model's labels read, e.g. LABEL_0=negative,LABEL_1=neutral,"
        "LABEL_2=positive; empty: the usual names (negative/negativ, neutral, positive/positiv, "
        "LABEL_0..2, star ratings) are recognised.",
    )
    emotion_analysis: bool = _setting(
        True,
        "Read the emotions (joy, trust, fear, surprise, sadness, disgust, anger, anticipation) "
        "of German and English mentions from cue words, emoji and negation (the emotion "
        "enricher; lexicon-based, see docs/analysis.md).",
    )
    keyword_extraction: bool = _setting(
        True,
        "Extract hashtags, @mentions, links and their domains, emoji, key phrases and the "
        "matched topic terms (brands) of each mention (the keywords enricher).",
    )
    aspect_analysis: bool = _setting(
        False,
        "Find the aspect categories a mention talks about (punctuality, price, WLAN, …) and "
        "the polarity of each (the aspects enricher; categories from aspect_categories). Off "
        "by default: the shipped template fits a railway brand only; `resonanz demo` turns it on.",
    )
    aspect_categories: str = _setting(
        "",
        "Path of the workspace's aspect category file (TOML or JSON: names and term lists, "
        "see docs/analysis.md); empty: the shipped railway/transport template.",
    )
    expand_short_links: bool = _setting(
        False,
        "Follow the redirects of short links (hosts in short_link_hosts) so their target "
        "domain is counted; off: no request leaves the server and t.co stays t.co.",
    )
    short_link_hosts: str = _setting(
        "t.co,bit.ly,buff.ly,ow.ly,tinyurl.com,goo.gl,lnkd.in,dlvr.it,ift.tt,is.gd,"
        "trib.al,fb.me,amzn.to,spoti.fi,tiny.cc,rebrand.ly,shorturl.at,cutt.ly,s.id",
        "Comma-separated hosts whose links expand_short_links follows.",
    )
    short_link_timeout: float = _setting(
        2.0, "Seconds one short link may take to expand, all its redirects together."
    )
    short_link_max: int = _setting(
        50, "Short links expanded per pipeline batch at most (others keep their short domain)."
    )
    follow_interval: float = _setting(
        300.0, "Seconds between collection rounds of `resonanz collect --follow`."
    )
    log_level: str = _setting("WARNING", "Log level: DEBUG, INFO, WARNING or ERROR.")
    web_host: str = _setting("127.0.0.1", "Address `resonanz serve` listens on.")
    web_port: int = _setting(8000, "Port `resonanz serve` listens on.")
    base_url: str = _setting(
        "",
        "Public URL of the web app (https://resonanz.example.org), used in e-mailed links; "
        "default: http://web_host:web_port.",
    )
    secret_key: str = _setting(
        "",
        "Key that signs session cookies (keep it secret; changing it logs everyone out). "
        "Default: a random key created once in data_dir/secret_key.",
        secret=True,
    )
    encryption_key: str = _setting(
        "",
        "Key that encrypts secrets at rest (platform tokens, SMTP passwords, webhook secrets) "
        "with AES-256-GCM: base64 of 32 bytes. Several keys, comma-separated, rotate: the "
        "first encrypts, all decrypt. Default: a random key created once in "
        "data_dir/encryption_key.",
        secret=True,
    )
    cookie_secure: bool = _setting(
        True,
        "Send the session cookie over HTTPS only. Turn off only for plain-HTTP localhost use "
        "(`resonanz serve` on 127.0.0.1 and `make demo` do so unless this is set).",
    )
    session_days: int = _setting(14, "Days a login stays valid without activity.")
    login_attempts: int = _setting(
        10,
        "Failed logins per e-mail address or client address within 15 minutes before "
        "further attempts are refused for the rest of that window.",
    )
    max_request_bytes: int = _setting(
        10_000_000, "Largest request body the web app accepts (bigger ones get 413)."
    )
    smtp_url: str = _setting(
        "",
        "SMTP server for password-reset and invitation e-mails: smtp://user:pass@host:587 "
        "(STARTTLS) or smtps://user:pass@host:465; empty: links are shown to admins instead.",
        secret=True,
    )
    mail_from: str = _setting("resonanz@localhost", "Sender address of Resonanz's e-mails.")
    default_locale: str = _setting(
        "de", "UI language when neither the user nor the browser chooses one: de or en."
    )

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.resolved_data_dir()) / 'resonanz.db'}"

    def resolved_data_dir(self) -> str:
        """The data dir, defaulting to the platform's user data dir."""
        return self.data_dir or user_data_dir("resonanz", appauthor=False)

    def language_list(self) -> tuple[str, ...]:
        """The configured detector languages as a tuple of codes."""
        return tuple(c.strip().lower() for c in self.languages.split(",") if c.strip())


def setting_help() -> dict[str, str]:
    """Map every setting name to its help text (used by docs and `resonanz config`)."""
    return {f.name: str(f.metadata["help"]) for f in fields(Settings)}


def parse_bool(value: Any, what: str) -> bool:
    """A bool from true/false, yes/no, on/off, 1/0 (any case); ConfigError naming ``what``."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{what}: expected true/false, got {value!r}")


def _coerce(name: str, value: Any, target: Any) -> Any:
    kind = type(target)
    if kind is bool:
        return parse_bool(value, f"setting {name!r}")
    try:
        if kind is int:
            return int(value)
        if kind is float:
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name!r}: {exc}") from exc


def _config_file(env: Mapping[str, str]) -> Path | None:
    explicit = env.get(ENV_PREFIX + "CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file {path} (from {ENV_PREFIX}CONFIG) does not exist")
        return path
    local = Path.cwd() / CONFIG_FILE_NAME
    return local if local.is_file() else None


def load_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Build Settings: flag > RESONANZ_* env > resonanz.toml > default.

    ``flags`` with value None are treated as not given.
    """
    env = os.environ if env is None else env
    defaults = {f.name: (f.default if f.default is not MISSING else None) for f in fields(Settings)}
    values: dict[str, Any] = {}
    path = config_file or _config_file(env)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"config file {path}: {exc}") from exc
        table = data.get("resonanz", data)
        for key, value in table.items():
            if key not in defaults:
                raise ConfigError(f"config file {path}: unknown setting {key!r}")
            values[key] = _coerce(key, value, defaults[key])
    for name, default in defaults.items():
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None:
            values[name] = _coerce(name, raw, default)
    for name, value in (flags or {}).items():
        if value is None:
            continue
        if name not in defaults:
            raise ConfigError(f"unknown setting {name!r}")
        values[name] = _coerce(name, value, defaults[name])
    settings = replace(Settings(), **values)
    if settings.batch_size < 1:
        raise ConfigError("setting 'batch_size' must be at least 1")
    if settings.http_timeout <= 0:
        raise ConfigError("setting 'http_timeout' must be positive")
    return settings
