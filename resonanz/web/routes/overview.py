"""The workspace's overview page: volume, sentiment, share of voice, platforms, languages,
authors, terms, aspects.

``GET /w/{slug}`` takes ``from``/``to`` (YYYY-MM-DD), ``days`` (a preset) and ``topic`` (a
topic id). An HTMX request (``HX-Request``) gets only the filters and charts section.
Invalid filters answer 422 with the message next to the field.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from resonanz.analytics.aspects import aspect_summary
from resonanz.analytics.terms import top_terms
from resonanz.config import Settings
from resonanz.models import Topic, Workspace
from resonanz.store import MentionFilter, Store
from resonanz.web import charts
from resonanz.web.deps import SettingsDep, StoreDep, Viewer
from resonanz.web.enrichments import sentiment_names
from resonanz.web.i18n import gettext as _
from resonanz.web.period import PRESETS, Period, parse_period
from resonanz.web.templating import render

router = APIRouter()

TERMS_SAMPLE = 1_000  # newest mentions read for trending terms; keeps the page fast
ASPECTS_SAMPLE = 2_000  # newest mentions read for the aspects chart
ASPECTS_SHOWN = 15
TOP = 10


def _topic(value: str | None, topics: list[Topic], errors: dict[str, str]) -> Topic | None:
    if not value:
        return None
    chosen = next((t for t in topics if str(t.id) == value.strip()), None)
    if chosen is None:
        errors["topic"] = _("Choose one of the workspace's topics.")
    return chosen


def sentiment_labels() -> dict[str, str]:
    """The sentiment charts' labels in the request's language."""
    return {
        **sentiment_names(),
        "sentiment": _("Sentiment"),
        "net": _("Net sentiment"),
        "mentions": _("Mentions"),
        "topic": _("Topic"),
        "share": _("Share"),
    }


def _sentiment(
    store: Store, workspace_id: int, flt: MentionFilter, period: Period
) -> dict[str, Any]:
    """Sentiment over time and per topic, the period's counts per label and net sentiment."""
    labels = sentiment_labels()
    over_time = store.sentiment.over_time(
        workspace_id, flt, bucket="hour" if period.hourly else "day"
    )
    counts: Counter[str] = Counter()
    for _bucket, label, n in over_time:
        counts[label] += n
    return {
        "counts": counts,
        "labelled": sum(counts.values()),
        "net": charts.signed(charts.net_sentiment(counts)),
        "over_time": charts.sentiment_over_time(
            over_time,
            hourly=period.hourly,
            labels=dict(labels, time=_("Hour") if period.hourly else _("Day")),
        ),
        # Like share of voice: every topic of the period, whichever topic is chosen.
        "by_topic": charts.sentiment_by_topic(
            store.sentiment.by_topic(workspace_id, flt), labels=labels
        ),
    }


def _charts(store: Store, workspace_id: int, flt: MentionFilter, period: Period) -> dict[str, Any]:
    mentions, topic = _("Mentions"), _("Topic")
    topics = store.list_topics(workspace_id)
    kinds = {t.name: t.kind for t in topics}
    volume = store.volume(workspace_id, flt, bucket="hour" if period.hourly else "day")
    return {
        "volume": charts.volume(
            volume,
            hourly=period.hourly,
            labels={
                "time": _("Hour") if period.hourly else _("Day"),
                "topic": topic,
                "mentions": mentions,
                "none": _("(no topic)"),
            },
        ),
        # Share of voice compares all topics in the period, whichever topic is chosen.
        "share": charts.share_of_voice(
            store.count_by(workspace_id, "topic", replace(flt, topic_id=None), limit=0),
            kinds,
            labels={"topic": topic, "kind": _("Kind"), "mentions": mentions, "share": _("Share")},
        ),
        "platforms": charts.bars(
            store.count_by(workspace_id, "platform", flt), category=_("Platform"), measure=mentions
        ),
        "languages": charts.bars(
            store.count_by(workspace_id, "lang", flt), category=_("Language"), measure=mentions
        ),
        "authors": charts.authors(
            store.top_authors(workspace_id, flt, limit=TOP),
            labels={
                "author": _("Author"),
                "platform": _("Platform"),
                "followers": _("Followers"),
                "mentions": mentions,
            },
        ),
        "terms": charts.bars(
            top_terms(store, workspace_id, flt, limit=15, sample=TERMS_SAMPLE),
            category=_("Term"),
            measure=mentions,
        ),
    }


def _aspects(
    store: Store,
    settings: Settings,
    workspace: Workspace,
    flt: MentionFilter,
    explorer: dict[str, str],
) -> dict[str, Any] | None:
    """Each aspect category of the newest mentions split by polarity, with a link to its
    mentions in the explorer (``explorer``: the period's and topic's parameters); None
    where the workspace finds no aspects (the process's ``aspect_analysis`` is off and it
    has no categories of its own), or none of those mentions has one."""
    workspace_id = workspace.id
    if not settings.aspect_analysis and store.aspects.get(workspace_id) is None:
        return None
    summary = aspect_summary(store, workspace_id, flt, limit=ASPECTS_SAMPLE)
    if not summary.with_aspects:
        return None
    rows = [
        (category, polarity, n)
        for category, counts in summary.rows[:ASPECTS_SHOWN]
        for polarity, n in counts.items()
    ]
    labels = dict(sentiment_labels(), topic=_("Aspect"))
    order = [category for category, _counts in summary.rows[:ASPECTS_SHOWN]]
    chart = charts.sentiment_by_topic(rows, labels=labels, order=order)  # most named first
    base = f"/w/{workspace.slug}/mentions?"
    links = [(c, base + urlencode({**explorer, "aspect": c})) for c in order]
    return {"summary": summary, "chart": chart, "links": links}


@router.get("/w/{slug}")
def overview(request: Request, access: Viewer, store: StoreDep, settings: SettingsDep) -> Response:
    """The overview for a period and optionally one topic."""
    ws = access.workspace
    params = request.query_params
    period, errors = parse_period(params, store.newest_posted_at(ws.id))
    topics = store.list_topics(ws.id)
    topic = _topic(params.get("topic"), topics, errors)
    flt = MentionFilter(
        topic_id=topic.id if topic else None, since=period.since, until=period.until
    )
    context: dict[str, Any] = {
        "nav": "overview",
        "period": period,
        "presets": PRESETS,
        "topics": topics,
        "topic": topic,
        "errors": errors,
        "values": {
            "from": params.get("from") or period.start.isoformat(),
            "to": params.get("to") or period.end.isoformat(),
        },
        "total": store.count_mentions(ws.id, flt),
        "charts": _charts(store, ws.id, flt, period),
        "sentiment": _sentiment(store, ws.id, flt, period),
        "aspects": _aspects(
            store,
            settings,
            ws,
            flt,
            {
                "since": period.start.isoformat(),
                "until": period.end.isoformat(),
                **({"topic": topic.name} if topic else {}),
            },
        ),
    }
    status = 422 if errors else 200
    if request.headers.get("hx-request") == "true":
        return render(request, "overview_body.html", context, status=status)
    return render(request, "overview.html", context, status=status)
