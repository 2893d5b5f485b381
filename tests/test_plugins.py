"""One registry: built-ins and third-party plugins go through the same hooks."""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import pluggy
import pytest

from resonanz import plugins
from resonanz.config import Settings
from resonanz.errors import PluginError
from resonanz.hookspecs import hookimpl
from resonanz.models import Mention, RawItem
from resonanz.pipeline import process
from resonanz.query import Matcher
from resonanz.runtime import Runtime
from resonanz.sources import FetchedBatch


class EchoSource:
    """A third-party source that yields what its config says."""

    kind: ClassVar[str] = "echo"

    def __init__(self, config: Mapping[str, Any], settings: Settings) -> None:
        self.config = config

    @classmethod
    def validate_config(cls, config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
        return dict(config)

    @classmethod
    def default_name(cls, config: Mapping[str, Any]) -> str:
        return "echo"

    def fetch(self, cursor: Mapping[str, Any]) -> Iterator[FetchedBatch]:
        item = RawItem(kind="echo", payload={"t": self.config["text"]}, fetched_at=_NOW)
        yield FetchedBatch(items=(item,), cursor={"done": True})


_NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _normalise_echo(item: RawItem) -> Mention:
    return Mention(platform="echo", native_id="1", text=item.payload["t"], collected_at=_NOW)


def _plugin() -> types.ModuleType:
    module = types.ModuleType("resonanz_echo")

    @hookimpl
    def register_sources() -> list[Any]:
        return [EchoSource]

    @hookimpl
    def register_normalisers() -> dict[str, Any]:
        return {"echo": _normalise_echo}

    module.register_sources = register_sources  # type: ignore[attr-defined]
    module.register_normalisers = register_normalisers  # type: ignore[attr-defined]
    return module


def test_builtins_register_through_the_hooks() -> None:
    pm = plugins.create_plugin_manager(load_entry_points=False)
    assert {"rss", "file"} <= set(plugins.source_classes(pm))
    assert {"rss", "jsonl", "csv", "germeval"} <= set(plugins.normalisers(pm))
    assert [e.__name__ for e in plugins.enrichers(pm)] == [
        "LanguageEnricher",
        "KeywordsEnricher",
        "SentimentEnricher",
        "EmotionEnricher",
        "AspectsEnricher",
        "RelevanceEnricher",
    ]


def test_a_third_party_plugin_is_used_like_a_builtin(monkeypatch: pytest.MonkeyPatch) -> None:
    original = plugins.create_plugin_manager

    def with_echo(*, load_entry_points: bool = True) -> pluggy.PluginManager:
        pm = original(load_entry_points=False)
        pm.register(_plugin())
        return pm

    monkeypatch.setattr("resonanz.runtime.create_plugin_manager", with_echo)
    runtime = Runtime.load(Settings(language_detection=False))
    source = runtime.source_class("echo")({"text": "Die Bahn kommt"}, runtime.settings)
    (batch,) = list(source.fetch({}))
    matcher = Matcher.from_queries([(1, "bahn")])
    out = process(batch.items, normalisers=runtime.normalisers, matcher=matcher)
    assert [m.matches[0].terms for m in out.mentions] == [("bahn",)]


def test_unknown_source_kind_lists_the_known_ones() -> None:
    runtime = Runtime.load(Settings(), load_entry_points=False)
    with pytest.raises(Exception, match=r"unknown source kind 'myspace' \(known: ") as info:
        runtime.source_class("myspace")
    known = str(info.value).split("known: ")[1].rstrip(")").split(", ")
    assert known == sorted(runtime.sources) and {"file", "rss"} <= set(known)


def test_broken_entry_point_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: pluggy.PluginManager, group: str) -> int:
        raise ImportError("No module named 'resonanz_broken'")

    monkeypatch.setattr(pluggy.PluginManager, "load_setuptools_entrypoints", explode)
    with pytest.raises(PluginError, match="resonanz_broken"):
        plugins.create_plugin_manager()
