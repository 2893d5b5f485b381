"""Vega-Lite specs for the dashboard's charts, built from store reads as plain dicts.

Every chart carries its data inline (``data.values``, never a URL) and comes with a
``ChartTable``: the same figures as rows, shown beside the chart for screen readers and
for copying. Labels arrive translated; this module does no i18n itself.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from resonanz.analysis.base import SENTIMENT_LABELS
from resonanz.store.base import AuthorReach

Spec = dict[str, Any]
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
# Brand in the accent colour, competitors in a contrasting one, everything else grey.
KIND_COLOURS = {"brand": "#1e88e5", "competitor": "#e53935"}
OTHER_COLOUR = "#9e9e9e"
# Okabe-Ito orange and blue stay apart for red-green colour blindness; legends, tooltips
# and tables name the labels too, so no chart relies on colour alone.
SENTIMENT_COLOURS = {"negative": "#d55e00", "neutral": "#999999", "positive": "#0072b2"}


@dataclass(frozen=True)
class ChartTable:
    """The table view of a chart: column headings and rows of cells."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str | int, ...], ...]


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite spec and its table view."""

    spec: Spec
    table: ChartTable


def _base(values: list[dict[str, Any]], height: int = 220) -> Spec:
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": height,
        "data": {"values": values},
    }


def volume(
    rows: Sequence[tuple[str, str | None, int]],
    *,
    hourly: bool,
    labels: dict[str, str],
) -> Chart:
    """Mentions per day (or hour) stacked by topic; labels: time, topic, mentions, none."""
    values = [
        {"t": bucket.replace(" ", "T"), "topic": topic or labels["none"], "n": n}
        for bucket, topic, n in rows
    ]
    spec = _base(values)
    spec["mark"] = {"type": "bar", "tooltip": True}
    spec["encoding"] = {
        "x": {
            "field": "t",
            "type": "temporal",
            "timeUnit": "yearmonthdatehours" if hourly else "yearmonthdate",
            "title": labels["time"],
        },
        "y": {"field": "n", "type": "quantitative", "stack": True, "title": labels["mentions"]},
        "color": {"field": "topic", "type": "nominal", "title": labels["topic"]},
    }
    table = ChartTable(
        (labels["time"], labels["topic"], labels["mentions"]),
        tuple((bucket, topic or labels["none"], n) for bucket, topic, n in rows),
    )
    return Chart(spec, table)


def share_of_voice(
    counts: Sequence[tuple[str, int]], kinds: dict[str, str], *, labels: dict[str, str]
) -> Chart:
    """Mentions per topic as bars, coloured by kind (brand and competitor highlighted)."""
    values = [{"topic": name, "n": n, "kind": kinds.get(name, "")} for name, n in counts]
    total = sum(n for _, n in counts) or 1
    present = sorted({kinds.get(name, "") for name, _ in counts})
    spec = _base(values, height=max(80, 28 * len(values)))
    spec["mark"] = {"type": "bar", "tooltip": True}
    spec["encoding"] = {
        "y": {"field": "topic", "type": "nominal", "sort": "-x", "title": labels["topic"]},
        "x": {"field": "n", "type": "quantitative", "title": labels["mentions"]},
        "color": {
            "field": "kind",
            "type": "nominal",
            "title": labels["kind"],
            "scale": {
                "domain": present,
                "range": [KIND_COLOURS.get(kind, OTHER_COLOUR) for kind in present],
            },
        },
    }
    table = ChartTable(
        (labels["topic"], labels["kind"], labels["mentions"], labels["share"]),
        tuple((name, kinds.get(name, ""), n, f"{100 * n / total:.1f} %") for name, n in counts),
    )
    return Chart(spec, table)


def bars(counts: Sequence[tuple[str, int]], *, category: str, measure: str) -> Chart:
    """A horizontal bar per category (platforms, languages, terms), largest first."""
    values = [{"label": name, "n": n} for name, n in counts]
    spec = _base(values, height=max(80, 22 * len(values)))
    spec["mark"] = {"type": "bar", "tooltip": True}
    spec["encoding"] = {
        "y": {"field": "label", "type": "nominal", "sort": "-x", "title": category},
        "x": {"field": "n", "type": "quantitative", "title": measure},
    }
    return Chart(spec, ChartTable((category, measure), tuple((k, n) for k, n in counts)))


def authors(top: Sequence[AuthorReach], *, labels: dict[str, str]) -> Chart:
    """Top authors by follower count; labels: author, platform, followers, mentions."""
    values = [
        {"author": f"@{a.handle}", "followers": a.followers or 0, "mentions": a.mentions}
        for a in top
    ]
    spec = _base(values, height=max(80, 22 * len(values)))
    spec["mark"] = {"type": "bar", "tooltip": True}
    spec["encoding"] = {
        "y": {"field": "author", "type": "nominal", "sort": "-x", "title": labels["author"]},
        "x": {"field": "followers", "type": "quantitative", "title": labels["followers"]},
    }
    table = ChartTable(
        (labels["author"], labels["platform"], labels["followers"], labels["mentions"]),
        tuple(
            (f"@{a.handle}", a.platform, "" if a.followers is None else a.followers, a.mentions)
            for a in top
        ),
    )
    return Chart(spec, table)


def net_sentiment(counts: Mapping[str, int]) -> int | None:
    """Positive minus negative mentions, per hundred labelled ones (None: none labelled)."""
    labelled = sum(counts.get(label, 0) for label in SENTIMENT_LABELS)
    if not labelled:
        return None
    return round(100 * (counts.get("positive", 0) - counts.get("negative", 0)) / labelled)


def signed(net: int | None) -> str:
    """A net sentiment as table text: +12, -5, 0, or empty."""
    return "" if net is None else f"{net:+d}" if net else "0"


def _by_label(rows: Sequence[tuple[str, str, int]]) -> dict[str, Counter[str]]:
    """Counts per label of each key (bucket or topic), keys in their first order."""
    grouped: dict[str, Counter[str]] = defaultdict(Counter)
    for key, label, n in rows:
        grouped[key][label] += n
    return grouped


def _sentiment_scale(labels: Mapping[str, str]) -> dict[str, Any]:
    return {
        "field": "sentiment",
        "type": "nominal",
        "title": labels["sentiment"],
        "scale": {
            "domain": [labels[label] for label in SENTIMENT_LABELS],
            "range": [SENTIMENT_COLOURS[label] for label in SENTIMENT_LABELS],
        },
    }


def _sentiment_values(
    rows: Sequence[tuple[str, str, int]], key: str, labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    return [
        {key: name, "sentiment": labels[label], "order": SENTIMENT_LABELS.index(label), "n": n}
        for name, label, n in rows
    ]


def _sentiment_table(
    rows: Sequence[tuple[str, str, int]], first: str, labels: Mapping[str, str]
) -> ChartTable:
    return ChartTable(
        (first, *(labels[label] for label in SENTIMENT_LABELS), labels["net"]),
        tuple(
            (key, *(counts[label] for label in SENTIMENT_LABELS), signed(net_sentiment(counts)))
            for key, counts in _by_label(rows).items()
        ),
    )


def sentiment_over_time(
    rows: Sequence[tuple[str, str, int]], *, hourly: bool, labels: Mapping[str, str]
) -> Chart:
    """Labelled mentions per day (or hour) stacked negative, neutral, positive.

    labels: time, sentiment, mentions, net and the three sentiment labels, translated.
    """
    values = [
        dict(value, t=value["t"].replace(" ", "T"))
        for value in _sentiment_values(rows, "t", labels)
    ]
    spec = _base(values)
    x = {
        "field": "t",
        "type": "temporal",
        "timeUnit": "yearmonthdatehours" if hourly else "yearmonthdate",
        "title": labels["time"],
    }
    y = {"field": "n", "type": "quantitative", "title": labels["mentions"]}
    colour = _sentiment_scale(labels)
    spec["mark"] = {"type": "bar"}
    spec["encoding"] = {
        "x": x,
        "y": dict(y, stack=True),
        "color": colour,
        "order": {"field": "order", "type": "ordinal"},
        "tooltip": [x, {"field": "sentiment", "title": labels["sentiment"]}, y],
    }
    return Chart(spec, _sentiment_table(rows, labels["time"], labels))


def sentiment_by_topic(
    rows: Sequence[tuple[str, str, int]],
    *,
    labels: Mapping[str, str],
    order: Sequence[str] | None = None,
) -> Chart:
    """Each topic's labelled mentions as one bar split by share (negative to positive).

    labels: topic, sentiment, share, mentions, net and the three sentiment labels.
    ``order``: the bars top to bottom (default: by name).
    """
    values = _sentiment_values(rows, "topic", labels)
    spec = _base(values, height=max(80, 28 * len({name for name, _, _ in rows})))
    topic: dict[str, Any] = {"field": "topic", "type": "nominal", "title": labels["topic"]}
    if order is not None:
        topic["sort"] = list(order)
    spec["mark"] = {"type": "bar"}
    spec["encoding"] = {
        "y": topic,
        "x": {
            "field": "n",
            "type": "quantitative",
            "stack": "normalize",
            "title": labels["share"],
            "axis": {"format": "%"},
        },
        "color": _sentiment_scale(labels),
        "order": {"field": "order", "type": "ordinal"},
        "tooltip": [
            topic,
            {"field": "sentiment", "title": labels["sentiment"]},
            {"field": "n", "type": "quantitative", "title": labels["mentions"]},
        ],
    }
    return Chart(spec, _sentiment_table(rows, labels["topic"], labels))


def week_heatmap(
    cells: Sequence[tuple[int, int, float, tuple[str, ...]]],
    *,
    weekdays: Sequence[str],
    labels: Mapping[str, str],
    extra: Sequence[str] = (),
    shown: Callable[[float], str] = str,
) -> Chart:
    """Hour of day (x) by weekday (y, Monday first), each cell coloured by its value;
    hours without data stay empty. ``cells``: (weekday 0..6, hour, value, further
    cells of the row, headed by ``extra``, shown in the tooltip and the table too);
    labels: weekday, hour, value; ``shown`` writes a value for the table."""
    values = []
    for weekday, hour, value, more in cells:
        item: dict[str, Any] = {"day": weekdays[weekday], "hour": hour, "v": value}
        item.update({f"c{i}": text for i, text in enumerate(more)})
        values.append(item)
    spec = _base(values, height=7 * 26)
    spec["mark"] = {"type": "rect"}
    spec["encoding"] = {
        "x": {
            "field": "hour",
            "type": "ordinal",
            "title": labels["hour"],
            "scale": {"domain": list(range(24))},
        },
        "y": {
            "field": "day",
            "type": "ordinal",
            "title": labels["weekday"],
            "scale": {"domain": list(weekdays)},
        },
        "color": {
            "field": "v",
            "type": "quantitative",
            "title": labels["value"],
            "scale": {"scheme": "blues"},
        },
        "tooltip": [
            {"field": "day", "title": labels["weekday"]},
            {"field": "hour", "title": labels["hour"]},
            {"field": "v", "type": "quantitative", "title": labels["value"]},
            *({"field": f"c{i}", "title": title} for i, title in enumerate(extra)),
        ],
    }
    ordered = sorted(cells, key=lambda cell: (cell[0], cell[1]))
    table = ChartTable(
        (labels["weekday"], labels["hour"], labels["value"], *extra),
        tuple(
            (weekdays[weekday], f"{hour:02d}:00", shown(value), *more)
            for weekday, hour, value, more in ordered
        ),
    )
    return Chart(spec, table)
