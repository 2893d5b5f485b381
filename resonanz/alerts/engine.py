"""The alert engine: one detection tick over a workspace's rules, then the due deliveries.

``check`` runs every rule's detector once (``resonanz alerts run`` calls it every 60
seconds), turns findings into incident changes (``alerts.incidents``) and queues the
messages in the same transaction as the change. ``deliver`` sends what is due: a
transient failure (timeout, 5xx, 429) is retried with growing pauses, a permanent one
(wrong password, 404, a broken channel config) stops at once; both are kept with the
delivery and the channel, visible in ``resonanz alerts history`` and ``channel list``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pluggy

from resonanz import secrets
from resonanz.alerts.cluster_growth import (
    cluster_growth_view,
    growth_params,
    subject_cluster,
    subject_of,
)
from resonanz.alerts.incidents import IncidentState, TrackerPolicy, step
from resonanz.alerts.message import AlertMessage, ExampleMention
from resonanz.alerts.notifiers import make_notifier
from resonanz.alerts.rules import Incident, Rule, in_quiet_hours
from resonanz.analytics.emerging import EmergingParams, emerging_terms, mention_terms
from resonanz.analytics.spikes import (
    BIN_S,
    SENSITIVITY,
    Expectation,
    SpikeFinding,
    SpikeParams,
    find_spike,
    minute_dispersion,
    seasonal_expectation,
)
from resonanz.analytics.surges import SurgeFinding, SurgeParams, find_surge
from resonanz.config import Settings
from resonanz.errors import DeliveryError, ResonanzError
from resonanz.models import Workspace
from resonanz.query.text import search_text
from resonanz.store import MentionFilter, Store

HOUR = timedelta(hours=1)
WEEK = timedelta(weeks=1)
MAX_ATTEMPTS = 8
FIRST_RETRY_S = 30
MAX_RETRY_S = 3600
CLAIM = timedelta(minutes=5)  # a claimed delivery is retried after this if its sender died
EXAMPLES = 5


@dataclass
class TickReport:
    """What one detection tick did."""

    rules: int = 0
    opened: int = 0
    updated: int = 0
    resolved: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class DeliveryReport:
    """What one delivery round did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _floor_minute(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def _floor_bin(moment: datetime) -> datetime:
    """The start of the BIN_S-second bin the moment falls in."""
    moment = moment.astimezone(UTC).replace(microsecond=0)
    return moment.replace(second=moment.second - moment.second % BIN_S)


def _floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def check(
    store: Store,
    settings: Settings,
    workspace: Workspace,
    *,
    now: datetime | None = None,
    policy: TrackerPolicy = TrackerPolicy(),
) -> TickReport:
    """One detection tick for every enabled rule of the workspace."""
    now = now or datetime.now(UTC)
    report = TickReport()
    for rule in store.alerts.list_rules(workspace.id, enabled_only=True):
        report.rules += 1
        try:
            if rule.detector == "volume_spike":
                _volume_spike(store, settings, workspace, rule, now, policy, report)
            elif rule.detector == "negative_surge":
                _negative_surge(store, settings, workspace, rule, now, policy, report)
            elif rule.detector == "new_author":
                _new_authors(store, settings, workspace, rule, now, report)
            elif rule.detector == "emerging_terms":
                _emerging(store, settings, workspace, rule, now, policy, report)
            elif rule.detector == "cluster_growth":
                _cluster_growth(store, settings, workspace, rule, now, policy, report)
            store.alerts.set_rule_checked(rule.id, now)
        except ResonanzError as exc:
            report.errors.append(f"rule {rule.detector} on topic {rule.topic!r}: {exc}")
    return report


# -- volume spikes


@dataclass(frozen=True)
class VolumeView:
    """What the volume detector sees at a tick (also shown by ``resonanz trends``)."""

    tick: datetime
    bins: list[int]  # counts of the last 15 minutes' BIN_S-second bins, oldest first
    expected: list[float]  # the expected count of each of those bins
    expect: Expectation
    clumping: float
    finding: SpikeFinding | None
    hours: dict[datetime, int]  # hourly counts read (4 weeks and a day)


def volume_view(
    store: Store, workspace_id: int, topic_id: int, params: SpikeParams, now: datetime
) -> VolumeView:
    """Read the counts and test the windows for one topic at ``now``."""
    tick = _floor_bin(now)
    hour = _floor_hour(tick - timedelta(seconds=1))
    first = hour - params.weeks * WEEK - 25 * HOUR
    hours = store.alerts.hour_counts(workspace_id, topic_id, first, hour + HOUR)
    start = min(hours) if hours else hour

    def expect_at(at: datetime) -> Expectation:
        def count(back: int) -> int | None:
            h = at - back * HOUR
            return hours.get(h, 0) if h >= start else None

        return seasonal_expectation(count, params.weeks)

    now_expect = expect_at(hour)
    before = expect_at(hour - HOUR)
    times = store.alerts.posted_times(workspace_id, topic_id, tick - 24 * HOUR, tick)
    per_bin: dict[datetime, int] = {}
    for t in times:
        key = _floor_bin(t)
        per_bin[key] = per_bin.get(key, 0) + 1
    per_minute: dict[datetime, int] = {}
    for key, n in per_bin.items():
        minute = key.replace(second=0)
        per_minute[minute] = per_minute.get(minute, 0) + n
    step_ = timedelta(seconds=BIN_S)
    window = [tick - step_ * (params.bins - i) for i in range(params.bins)]
    bins = [per_bin.get(b, 0) for b in window]
    share = BIN_S / 60
    expected = [
        (now_expect if _floor_hour(b) == hour else before).per_minute * share for b in window
    ]
    past_hours = [
        [per_minute.get(h + timedelta(minutes=i), 0) for i in range(60)]
        for h in (hour - k * HOUR for k in range(1, 25))
        if h >= start
    ]
    clumping = minute_dispersion(past_hours)
    finding = find_spike(bins, expected, now_expect, params, clumping=clumping)
    return VolumeView(tick, bins, expected, now_expect, clumping, finding, hours)


def spike_params(rule: Rule) -> SpikeParams:
    """The detector settings of a volume rule."""
    p = rule.params
    return SpikeParams(
        alpha=SENSITIVITY[p.get("sensitivity", "normal")],
        min_mentions=int(p.get("min_mentions", 10)),
        min_ratio=float(p.get("min_ratio", 2.0)),
    )


def _volume_spike(
    store: Store,
    settings: Settings,
    workspace: Workspace,
    rule: Rule,
    now: datetime,
    policy: TrackerPolicy,
    report: TickReport,
) -> None:
    view = volume_view(store, workspace.id, rule.topic_id, spike_params(rule), now)
    finding = view.finding
    signal = None
    if finding is not None:
        signal = _Signal(
            finding.ratio,
            finding.window_min,
            finding.observed,
            finding.expected,
            finding.explain(rule.lang),
        )
    _track(store, settings, workspace, rule, view.tick, signal, policy, report)


@dataclass(frozen=True)
class _Signal:
    """What a rate detector found at a tick, as its incident needs it."""

    ratio: float  # observed / expected: how the incident grows
    window_min: int
    observed: int
    expected: float
    explanation: str


def _track(
    store: Store,
    settings: Settings,
    workspace: Workspace,
    rule: Rule,
    tick: datetime,
    signal: _Signal | None,
    policy: TrackerPolicy,
    report: TickReport,
    *,
    sentiment: str | None = None,
) -> None:
    """Open, update or resolve the rule's one incident from this tick's signal; examples
    are the newest mentions of the signal's window (of one sentiment label when given)."""
    open_ = [i for i in store.alerts.open_incidents(rule.id) if i.subject == ""]
    incident = open_[0] if open_ else None
    new_state, event = step(_state(incident), tick, signal.ratio if signal else None, policy)
    if new_state is None and event is None:
        return
    values: dict[str, Any] = {}
    example_records: list[ExampleMention] = []
    if signal is not None:
        since = tick - timedelta(minutes=signal.window_min)
        examples = store.alerts.newest_mentions(
            workspace.id, rule.topic_id, since, tick, EXAMPLES, sentiment=sentiment
        )
        ids = [e[0] for e in examples]
        if incident is not None:
            ids = list(dict.fromkeys([*incident.mention_ids, *ids]))[-50:]
        values = {
            "observed": signal.observed,
            "expected": signal.expected,
            "explanation": signal.explanation,
            "mention_ids": ids,
        }
        example_records = [ExampleMention(a, t[:280], u) for _, a, t, u in examples]
    _save(
        store,
        settings,
        workspace,
        rule,
        incident,
        new_state,
        event,
        values,
        example_records,
        now=tick,
        title=_title(rule.detector, rule.topic, rule.lang),
        report=report,
    )


# -- negative-sentiment surges


def surge_params(rule: Rule) -> SurgeParams:
    """The detector settings of a negative-surge rule."""
    p = rule.params
    return SurgeParams(
        alpha=SENSITIVITY[p.get("sensitivity", "normal")],
        min_negative=int(p.get("min_negative", 10)),
        min_ratio=float(p.get("min_ratio", 1.5)),
        window_min=int(p.get("window_minutes", 60)),
    )


def surge_view(
    store: Store, workspace_id: int, topic_id: int, params: SurgeParams, tick: datetime
) -> SurgeFinding | None:
    """Count the window's and the baseline days' negatives and test them."""
    start = tick - timedelta(minutes=params.window_min)
    negative, total = store.alerts.sentiment_counts(workspace_id, topic_id, start, tick)
    base_negative, base_total = store.alerts.sentiment_counts(
        workspace_id, topic_id, start - timedelta(days=params.baseline_days), start
    )
    return find_surge(negative, total, base_negative, base_total, params)


def _negative_surge(
    store: Store,
    settings: Settings,
    workspace: Workspace,
    rule: Rule,
    now: datetime,
    policy: TrackerPolicy,
    report: TickReport,
) -> None:
    tick = _floor_minute(now)
    finding = surge_view(store, workspace.id, rule.topic_id, surge_params(rule), tick)
    signal = None
    if finding is not None:
        signal = _Signal(
            finding.ratio,
            finding.window_min,
            finding.negative,
            round(finding.total * finding.baseline_share, 2),
            finding.explain(rule.lang),
        )
    _track(store, settings, workspace, rule, tick, signal, policy, report, sentiment="negative")


def _state(incident: Incident | None) -> IncidentState | None:
    if incident is None:
        return None
    return IncidentState(
        incident.started_at,
        incident.last_seen_at,
        incident.notified_ratio,
        incident.notified_at,
        incident.peak_ratio,
        incident.sequence,
    )


def _title(kind: str, topic: str, lang: str, subject: str = "") -> str:
    if kind == "cluster_growth":
        if lang == "de":
            return f"Wachsendes Thema bei „{topic}“: {subject}"
        return f"Growing topic cluster in “{topic}”: {subject}"
    if kind == "emerging_terms":
        if lang == "de":
            return f"Neu im Gespräch über „{topic}“: {subject}"
        return f"Emerging in “{topic}”: {subject}"
    if kind == "new_author":
        if lang == "de":
            return f"Reichweitenstarker Autor über „{topic}“: {subject}"
        return f"High-reach author on “{topic}”: {subject}"
    if kind == "negative_surge":
        if lang == "de":
            return f"Negative Stimmung steigt bei „{topic}“"
        return f"Negative sentiment surging for “{topic}”"
    return f"Erwähnungsspitze bei „{topic}“" if lang == "de" else f"Volume spike for “{topic}”"


def _save(
    store: Store,
    settings: Settings,
    workspace: Workspace,
    rule: Rule,
    incident: Incident | None,
    state: IncidentState | None,
    event: str | None,
    values: dict[str, Any],
    examples: list[ExampleMention],
    *,
    now: datetime,
    title: str,
    report: TickReport,
    subject: str = "",
) -> None:
    row: dict[str, Any] = dict(values)
    if state is not None:
        row.update(
            last_seen_at=state.last_seen_at,
            notified_ratio=state.notified_ratio,
            notified_at=state.notified_at,
            peak_ratio=state.peak_ratio,
            sequence=state.sequence,
        )
    if event == "resolved" and incident is not None:
        row.update(status="resolved", resolved_at=now, sequence=incident.sequence + 1)
    if incident is None:
        assert state is not None
        row.update(
            workspace_id=workspace.id,
            rule_id=rule.id,
            topic_id=rule.topic_id,
            kind=rule.detector,
            subject=subject,
            status="open",
            started_at=state.started_at,
        )
        row.setdefault("observed", 0)
        row.setdefault("expected", 0.0)
        row.setdefault("explanation", "")
        row.setdefault("mention_ids", [])
    messages: dict[int, dict[str, Any]] = {}
    if event is not None:
        setattr(report, event, getattr(report, event) + 1)
        explanation = row.get("explanation") or (incident.explanation if incident else "")
        sequence = row.get("sequence", incident.sequence if incident else 0)
        message = AlertMessage(
            incident_id=0,  # set by the store
            sequence=int(sequence),
            workspace=workspace.name,
            topic=rule.topic,
            kind=rule.detector,
            status=event,  # type: ignore[arg-type]
            title=title,
            explanation=str(explanation),
            started_at=(incident.started_at if incident else now),
            observed_at=now,
            lang=rule.lang,
            url=_dashboard_url(settings, workspace, rule),
            examples=tuple(examples),
        )
        encoded = message_to_json(message)
        messages = {channel_id: encoded for channel_id in rule.channel_ids}
    held_until = in_quiet_hours(rule, now)
    store.alerts.save_incident(
        row,
        incident_id=incident.id if incident else None,
        messages=messages,
        send_at=held_until or now,
        at=now,
    )


def _dashboard_url(settings: Settings, workspace: Workspace, rule: Rule) -> str | None:
    base = settings.base_url.rstrip("/") or f"http://{settings.web_host}:{settings.web_port}"
    return base + mentions_path(workspace.slug, rule.topic, None)


def mentions_path(slug: str, topic: str, since: datetime | None) -> str:
    """The mentions explorer filtered to a topic (and a start time): where an alert links."""
    query = {"topic": topic} | ({"since": since.isoformat()} if since else {})
    return f"/w/{slug}/mentions?{urlencode(query)}"


# -- new high-reach authors


def _new_authors(
    store: Store,
    settings: Settings,
    workspace: Workspace,
    rule: Rule,
    now: datetime,
    report: TickReport,
) -> None:
    since = rule.checked_at or (now - timedelta(minutes=15))
    found = store.alerts.high_reach_mentions(
        workspace.id,
        rule.topic_id,
        since,
        now,
        min_followers=int(rule.params.get("min_followers", 10_000)),
    )
    # Incidents still open here were opened by a tick that stopped before closing them:
    # their authors are not reported twice.
    reported = {i.subject for i in store.alerts.open_incidents(rule.id)} if found else set()
    for hit in found:
        subject = f"{hit.platform}:{hit.handle}"
        if subject in reported:
            continue
        followers = f"{hit.followers:,}".replace(",", "." if rule.lang == "de" else ",")
        who = f"@{hit.handle} ({followers} {'Follower' if rule.lang == 'de' else 'followers'})"
        if rule.lang == "de":
            explanation = f"{who} erwähnt „{rule.topic}“ zum ersten Mal seit 30 Tagen"
        else:
            explanation = f"{who} mentions “{rule.topic}” for the first time in 30 days"
        state = IncidentState(hit.posted_at, hit.posted_at, 1.0, now, 1.0)
        values = {
            "observed": 1,
            "expected": 0.0,
            "explanation": explanation,
            "mention_ids": [hit.mention_id],
        }
        _save(
            store,
            settings,
            workspace,
            rule,
            None,
            state,
            "opened",
            values,
            [ExampleMention(hit.handle, hit.text[:280], hit.url)],
            now=now,
            title=_title("new_author", rule.topic, rule.lang, "@" + hit.handle),
            report=report,
            subject=subject,
        )
    # One message per author; the incident is closed at once (nothing to follow).
    for incident in store.alerts.open_incidents(rule.id):
        store.alerts.save_incident(
            {"status": "resolved", "resolved_at": now},
            incident_id=incident.id,
            messages={},
            send_at=now,
            at=now,
        )


# -- emerging terms, hashtags and links

# Texts read per tick and period; beyond this the newest are a fair sample.
EMERGING_SAMPLE = 20_000
_EXAMPLE_SCAN = 500


def _emerging(
    store: Store,
    settings: Settings,
    workspace: Workspace,
    rule: Rule,
    now: datetime,
    policy: TrackerPolicy,
    report: TickReport,
) -> None:
    """One incident per rising term (its subject), tracked like the rate detectors."""
    p = rule.params
    window = timedelta(minutes=int(p["window_minutes"]))
    start = now - window
    recent = MentionFilter(topic_id=rule.topic_id, since=start, until=now)
    before = MentionFilter(
        topic_id=rule.topic_id, since=start - timedelta(days=int(p["baseline_days"])), until=start
    )
    params = EmergingParams(
        alpha=SENSITIVITY[str(p["sensitivity"])],
        min_count=int(p["min_count"]),
        min_ratio=float(p["min_ratio"]),
    )
    window_texts = store.recent_texts(workspace.id, recent, limit=EMERGING_SAMPLE)
    found = {
        t.term: t
        for t in emerging_terms(
            window_texts,
            store.recent_texts(workspace.id, before, limit=EMERGING_SAMPLE) if window_texts else (),
            params,
        )
    }
    incidents = {i.subject: i for i in store.alerts.open_incidents(rule.id)}
    evidence = _term_examples(store, workspace.id, recent, found.keys()) if found else {}
    for term in sorted(found.keys() | incidents.keys()):
        incident = incidents.get(term)
        hit = found.get(term)
        state, event = step(_state(incident), now, hit.ratio if hit else None, policy)
        values: dict[str, Any] = {}
        examples: list[ExampleMention] = []
        if hit is not None:
            ids, examples = evidence[term]
            values = {
                "observed": hit.count,
                "expected": hit.expected,
                "explanation": hit.explain(
                    rule.lang, int(p["window_minutes"]), int(p["baseline_days"])
                ),
                "mention_ids": ids,
            }
        if state is None and event is None:
            continue
        _save(
            store,
            settings,
            workspace,
            rule,
            incident,
            state,
            event,
            values,
            examples,
            now=now,
            title=_title("emerging_terms", rule.topic, rule.lang, term),
            report=report,
            subject=term,
        )


def _term_examples(
    store: Store, workspace_id: int, flt: MentionFilter, terms: Iterable[str]
) -> dict[str, tuple[list[int], list[ExampleMention]]]:
    """Per term, ids of (up to 20) and examples from (up to 3) the window's mentions with
    it: one scan of the window for all terms."""
    found: dict[str, tuple[list[int], list[ExampleMention]]] = {t: ([], []) for t in terms}
    for scanned, mention in enumerate(store.iter_mentions(workspace_id, flt, chunk_size=200)):
        if scanned >= _EXAMPLE_SCAN or all(len(ids) >= 20 for ids, _ in found.values()):
            break
        present = mention_terms(search_text([mention.title, mention.text]), mention.text)
        for term in found.keys() & present:
            ids, examples = found[term]
            if len(ids) >= 20:
                continue
            assert mention.id is not None
            ids.append(mention.id)
            if len(examples) < 3:
                author = mention.author.handle if mention.author else "?"
                examples.append(ExampleMention(author, mention.text[:280], mention.url))
    return found


# -- topic clusters that grew


def _cluster_growth(
    store: Store,
    settings: Settings,
    workspace: Workspace,
    rule: Rule,
    now: datetime,
    policy: TrackerPolicy,
    report: TickReport,
) -> None:
    """One incident per growing cluster (subject 'cluster N'), tracked like the rate
    detectors; an incident follows its cluster into the one it merged into."""
    view = cluster_growth_view(store, workspace.id, rule.topic_id, growth_params(rule), now)
    if view is None:  # still feeding the topic's backlog: no verdict on half the posts
        return
    found = {g.cluster_id: g for g in view.found}
    tracked: dict[int, list[Incident]] = {}
    for opened in store.alerts.open_incidents(rule.id):
        cluster = subject_cluster(opened.subject)
        key = view.resolve(cluster) if cluster is not None else -opened.id
        tracked.setdefault(key, []).append(opened)
    for cluster_id in sorted(found.keys() | tracked.keys()):
        # Two incidents whose clusters merged: the older follows the cluster, the other ends.
        mine = sorted(tracked.get(cluster_id, []), key=lambda i: i.id)
        incidents: list[Incident | None] = [*mine] if mine else [None]
        for n, incident in enumerate(incidents):
            grew = found.get(cluster_id) if n == 0 else None
            state, event = step(_state(incident), now, grew.ratio if grew else None, policy)
            if state is None and event is None:
                continue
            values: dict[str, Any] = {}
            examples: list[ExampleMention] = []
            if grew is not None:
                posts = store.clusters.newest_posts(
                    workspace.id,
                    rule.topic_id,
                    view.saved_ids.get(cluster_id, (cluster_id,)),
                    view.since,
                    now,
                    20,
                )
                values = {
                    "observed": grew.new,
                    "expected": round(grew.expected, 2),
                    "explanation": grew.explain(rule.lang),
                    "mention_ids": [p.mention_id for p in posts],
                }
                examples = [ExampleMention(p.handle, p.text[:280], p.url) for p in posts[:3]]
            label = grew.label if grew else view.label(cluster_id)
            _save(
                store,
                settings,
                workspace,
                rule,
                incident,
                state,
                event,
                values,
                examples,
                now=now,
                title=_title("cluster_growth", rule.topic, rule.lang, label),
                report=report,
                subject=subject_of(cluster_id),
            )


# -- messages and delivery


def message_to_json(message: AlertMessage) -> dict[str, Any]:
    """A message as stored with its deliveries."""
    data = asdict(message)
    data["started_at"] = message.started_at.isoformat()
    data["observed_at"] = message.observed_at.isoformat()
    return data


def message_from_json(data: Mapping[str, Any]) -> AlertMessage:
    """The stored message back."""
    return AlertMessage(
        incident_id=int(data["incident_id"]),
        sequence=int(data["sequence"]),
        workspace=str(data["workspace"]),
        topic=str(data["topic"]),
        kind=str(data["kind"]),
        status=data["status"],
        title=str(data["title"]),
        explanation=str(data["explanation"]),
        started_at=datetime.fromisoformat(data["started_at"]),
        observed_at=datetime.fromisoformat(data["observed_at"]),
        lang=str(data.get("lang", "en")),
        url=data.get("url"),
        examples=tuple(ExampleMention(**e) for e in data.get("examples", ())),
        event_key=data.get("event_key"),
    )


def channel_config(store: Store, settings: Settings, channel_id: int) -> tuple[str, dict[str, str]]:
    """(kind, config with the secrets decrypted) of a channel."""
    channel = store.alerts.get_channel_by_id(channel_id)
    config = dict(channel.config)
    encrypted = store.alerts.channel_secrets(channel_id)
    if encrypted:
        config.update(json.loads(secrets.decrypt(settings, encrypted)))
    return channel.kind, config


def retry_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds before the next try after ``attempts`` failed ones: 30 s doubling to 1 h,
    with ±20 % jitter so many failed deliveries do not retry in step."""
    base = float(min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** max(0, attempts - 1)))
    return base * float((rng or random).uniform(0.8, 1.2))


def after_failure(attempts: int, permanent: bool, now: datetime) -> tuple[str, datetime]:
    """The status and next attempt time of a send that failed on its ``attempts``-th try:
    ``failed`` at once when the error is permanent or the tries are used up, else
    ``pending`` after :func:`retry_delay`. Alert deliveries and approval e-mails share it."""
    if permanent or attempts >= MAX_ATTEMPTS:
        return "failed", now
    return "pending", now + timedelta(seconds=retry_delay(attempts))


def deliver(
    store: Store,
    settings: Settings,
    *,
    now: datetime | None = None,
    pm: pluggy.PluginManager | None = None,
    events_only: bool = False,
) -> DeliveryReport:
    """Send every due delivery once (``events_only``: the publishing events' only, as the
    publishing scheduler does); record success, retry or failure. Each delivery is claimed
    first, so concurrent senders (several schedulers, `alerts run`) never send one twice;
    a sender that dies mid-send leaves it to be retried after ``CLAIM_S``."""
    now = now or datetime.now(UTC)
    report = DeliveryReport()
    for delivery in store.alerts.due_deliveries(now, events_only=events_only):
        if not store.alerts.claim_delivery(delivery.id, now, until=now + CLAIM):
            continue  # another sender has it
        attempts = delivery.attempts + 1
        try:
            kind, config = channel_config(store, settings, delivery.channel_id)
            notifier = make_notifier(kind, config, settings, pm)
            notifier.send(message_from_json(delivery.message))
        except ResonanzError as exc:  # DeliveryError, or a channel config that broke
            permanent = not isinstance(exc, DeliveryError) or exc.permanent
            error = f"{delivery.channel}: {exc}"
            report.errors.append(error)
            status, next_at = after_failure(attempts, permanent, now)
            if status == "failed":
                report.failed += 1
                if not permanent:
                    error += f" (gave up after {attempts} attempts)"
            else:
                report.retried += 1
            store.alerts.update_delivery(
                delivery.id, status=status, attempts=attempts, next_attempt_at=next_at, error=error
            )
            store.alerts.record_channel_result(delivery.channel_id, now, str(exc))
            continue
        report.sent += 1
        store.alerts.update_delivery(
            delivery.id,
            status="sent",
            attempts=attempts,
            next_attempt_at=now,
            error=None,
            sent_at=now,
        )
        store.alerts.record_channel_result(delivery.channel_id, now, None)
    return report
