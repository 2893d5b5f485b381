"""Table definitions the queries are built from (the migrations create them)."""

from __future__ import annotations

import sqlalchemy as sa

from resonanz.store.types import BigId, JSONDoc, JSONRaw, UTCDateTime

metadata = sa.MetaData()

workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("slug", sa.String(100), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

topics = sa.Table(
    "topics",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "name"),
)

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("config", JSONDoc, nullable=False),
    sa.Column("cursor", JSONDoc, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("last_run_at", UTCDateTime),
    sa.Column("last_success_at", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", UTCDateTime),
    sa.Column("items_total", sa.BigInteger, nullable=False),
    # posting time of the newest item stored, and when it was stored: the lag
    sa.Column("newest_item_at", UTCDateTime),
    sa.Column("newest_item_seen_at", UTCDateTime),
    # the run before the last, and the last run's items: items per minute
    sa.Column("previous_run_at", UTCDateTime),
    sa.Column("last_run_items", sa.Integer, nullable=False, server_default="0"),
    # why the source stopped until the user acts (revoked or expired credentials)
    sa.Column("attention", sa.Text),
    sa.UniqueConstraint("workspace_id", "name"),
)

authors = sa.Table(
    "authors",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("platform", sa.String(50), nullable=False),
    sa.Column("handle", sa.String(300), nullable=False),
    sa.Column("name", sa.Text),
    sa.Column("followers", sa.BigInteger),
    sa.Column("url", sa.Text),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "platform", "handle"),
)

mentions = sa.Table(
    "mentions",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("source_id", sa.ForeignKey("sources.id", ondelete="SET NULL")),
    sa.Column("platform", sa.String(50), nullable=False),
    sa.Column("native_id", sa.String(500), nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("author_id", sa.ForeignKey("authors.id", ondelete="SET NULL")),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("lang", sa.String(20)),
    sa.Column("lang_score", sa.Float),
    sa.Column("created_at", UTCDateTime),
    sa.Column("collected_at", UTCDateTime, nullable=False),
    # created_at, falling back to collected_at: the one time axis for order, ranges, days
    sa.Column("posted_at", UTCDateTime, nullable=False),
    sa.Column("reply_to", sa.String(500)),
    sa.Column("repost_of", sa.String(500)),
    sa.Column("quote_of", sa.String(500)),
    sa.Column("reply_to_id", sa.ForeignKey("mentions.id", ondelete="SET NULL")),
    sa.Column("repost_of_id", sa.ForeignKey("mentions.id", ondelete="SET NULL")),
    sa.Column("quote_of_id", sa.ForeignKey("mentions.id", ondelete="SET NULL")),
    sa.Column("likes", sa.BigInteger),
    sa.Column("reposts", sa.BigInteger),
    sa.Column("replies", sa.BigInteger),
    sa.Column("quotes", sa.BigInteger),
    sa.Column("views", sa.BigInteger),
    sa.Column("raw", JSONRaw, nullable=False),
    sa.Column("raw_kind", sa.String(50), nullable=False),
    sa.Column("enrichments", JSONDoc),
    sa.Column("search_text", sa.Text, nullable=False),
    # PostgreSQL also has search_vector (migration 0016), not declared here: a stored
    # generated column, to_tsvector('simple', search_text), that no write names
    # (store.reads._SEARCH_VECTOR).
    # enrichments["sentiment"] label and score, kept by the store (migration 0006)
    sa.Column("sentiment", sa.String(10)),
    sa.Column("sentiment_score", sa.Float),
    # enrichments["emotion"]["top"], kept by the store (migration 0011)
    sa.Column("emotion", sa.String(12)),
    sa.UniqueConstraint("workspace_id", "platform", "native_id"),
)

matches = sa.Table(
    "matches",
    metadata,
    sa.Column("mention_id", sa.ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("terms", JSONDoc, nullable=False),
)

# The categories named in enrichments["aspects"], one row per mention and category, kept by
# the store (migration 0022): ``?aspect=`` reads these rows, not every mention's JSON.
mention_aspects = sa.Table(
    "mention_aspects",
    metadata,
    sa.Column("mention_id", sa.ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("category", sa.Text, primary_key=True),
    sa.Column("workspace_id", sa.Integer, nullable=False),
    sa.Column("polarity", sa.Text),
    sa.Index("ix_mention_aspects_ws_category", "workspace_id", "category", "mention_id"),
)

# (native id column, resolved id column) of the three ways a mention points at another.
LINKS: tuple[tuple[str, str], ...] = (
    ("reply_to", "reply_to_id"),
    ("repost_of", "repost_of_id"),
    ("quote_of", "quote_of_id"),
)

# -- accounts (migration 0002)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("locale", sa.String(10)),
    sa.Column("is_admin", sa.Boolean, nullable=False),
    sa.Column("session_version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("approver", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_used_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("invited_by", sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("accepted_at", UTCDateTime),
)

password_resets = sa.Table(
    "password_resets",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", BigId, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE")),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("target", sa.String(300), nullable=False),
    sa.Column("detail", JSONDoc, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

mention_tags = sa.Table(
    "mention_tags",
    metadata,
    sa.Column("mention_id", sa.ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag", sa.String(100), primary_key=True),
)

# -- counts per hour and per day (migrations 0004 and 0007, kept by store.rollup)


def _counts_table(name: str, column: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column(
            "workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
        ),
        # 0: every mention once; a topic id: its matches; -1: mentions matching no topic
        sa.Column("topic_id", sa.Integer, primary_key=True),
        sa.Column(column, UTCDateTime, primary_key=True),
        sa.Column("platform", sa.String(50), primary_key=True),
        sa.Column("lang", sa.String(20), primary_key=True),
        # the sentiment label, "none" without one (migration 0007)
        sa.Column("sentiment", sa.String(10), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )


mention_counts = _counts_table("mention_counts", "hour")
mention_counts_daily = _counts_table("mention_counts_daily", "day")

# -- alerts (migration 0005)

alert_channels = sa.Table(
    "alert_channels",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("config", JSONDoc, nullable=False),
    sa.Column("secrets", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_success_at", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", UTCDateTime),
)

alert_rules = sa.Table(
    "alert_rules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("topic_id", sa.ForeignKey("topics.id", ondelete="CASCADE"), nullable=False),
    sa.Column("detector", sa.String(50), nullable=False),
    sa.Column("params", JSONDoc, nullable=False),
    sa.Column("quiet_hours", sa.String(20)),
    sa.Column("timezone", sa.String(100), nullable=False),
    sa.Column("lang", sa.String(10), nullable=False),
    sa.Column("channels", JSONDoc, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("checked_at", UTCDateTime),
)

alert_incidents = sa.Table(
    "alert_incidents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("rule_id", sa.ForeignKey("alert_rules.id", ondelete="CASCADE"), nullable=False),
    sa.Column("topic_id", sa.ForeignKey("topics.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column("resolved_at", UTCDateTime),
    sa.Column("notified_ratio", sa.Float, nullable=False),
    sa.Column("notified_at", UTCDateTime, nullable=False),
    sa.Column("peak_ratio", sa.Float, nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("observed", sa.Integer, nullable=False),
    sa.Column("expected", sa.Float, nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("mention_ids", JSONDoc, nullable=False),
)

alert_deliveries = sa.Table(
    "alert_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # NULL for a publishing event (migration 0015), which has its event_key instead
    sa.Column("incident_id", sa.ForeignKey("alert_incidents.id", ondelete="CASCADE")),
    sa.Column("channel_id", sa.ForeignKey("alert_channels.id", ondelete="CASCADE"), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("message", JSONDoc, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("event_key", sa.String(200)),  # unique per channel (ux_alert_deliveries_event)
)

# -- workspace-trained classifiers (migration 0006)

training_examples = sa.Table(
    "training_examples",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("task", sa.String(20), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("lang", sa.String(20)),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("mention_id", sa.ForeignKey("mentions.id", ondelete="SET NULL")),
    sa.Column("source", sa.String(10), nullable=False),
    sa.Column("created_by", sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "task", "mention_id"),
)

workspace_models = sa.Table(
    "workspace_models",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("task", sa.String(20), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("n_examples", sa.Integer, nullable=False),
    sa.Column("quality", JSONDoc, nullable=False),
    sa.Column("blob", sa.LargeBinary, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

# -- topic clusters per topic (migration 0009, kept by store.clusters)

topic_clusters = sa.Table(
    "topic_clusters",
    metadata,
    sa.Column("topic_id", sa.ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    # Clusterer.to_bytes(): npz + JSON, read back without pickle
    sa.Column("state", sa.LargeBinary, nullable=False),
    # {"fed": [mention ids]}: the newest ids fed; every id below the first is done
    sa.Column("cursor", JSONDoc, nullable=False),
    # raised by every save: a save from a stale read changes nothing
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("posts", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# Which cluster each fed mention joined, for the last days (growth over time).
topic_cluster_posts = sa.Table(
    "topic_cluster_posts",
    metadata,
    sa.Column("topic_id", sa.ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "mention_id", BigId, sa.ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("cluster_id", sa.Integer),  # NULL: the post had no usable terms
    sa.Column("posted_at", UTCDateTime, nullable=False),
)

# -- publishing (migration 0010, kept by store.publishing)

publish_channels = sa.Table(
    "publish_channels",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("config", JSONDoc, nullable=False),
    sa.Column("secrets", sa.Text),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", UTCDateTime),
    sa.Column("last_success_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "name"),
)

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("author_id", sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("variants", JSONDoc, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("scheduled_at", UTCDateTime),
    sa.Column("timezone", sa.String(100), nullable=False),
    sa.Column("local_time", sa.String(40)),
    # raised by every edit and delete: a delivery claimed at another version is stale
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # migration 0012: none | pending_approval | approved | rejected (publishing.approval)
    sa.Column("approval", sa.String(20), nullable=False, server_default="none"),
    sa.Column("approval_round", sa.Integer, nullable=False, server_default="0"),
    sa.Column("approval_comment", sa.Text),
    # migration 0013: further thread parts (a JSON list of texts) and the poll
    sa.Column("thread", JSONDoc),
    sa.Column("poll", JSONDoc),
    # migration 0014: the series an occurrence was made from, and its local wall time
    sa.Column("series_id", sa.ForeignKey("post_series.id", ondelete="SET NULL")),
    sa.Column("occurrence", sa.String(40)),
    sa.UniqueConstraint("series_id", "occurrence", name="uq_posts_series_occurrence"),
)

# The outbox: one row per post x channel (see publishing.states for the state machine).
post_deliveries = sa.Table(
    "post_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("post_id", sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("channel_id", sa.ForeignKey("publish_channels.id", ondelete="SET NULL")),
    sa.Column("channel_name", sa.String(200), nullable=False),
    sa.Column("channel_kind", sa.String(50), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("due_at", UTCDateTime),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("claimed_by", sa.String(200)),
    sa.Column("claimed_until", UTCDateTime),
    sa.Column("claimed_version", sa.Integer),
    sa.Column("doubt_version", sa.Integer),
    sa.Column("doubt_at", UTCDateTime),
    sa.Column("idempotency_key", sa.String(200)),
    sa.Column("record_key", sa.String(100)),
    sa.Column("remote_id", sa.Text),
    sa.Column("remote_url", sa.Text),
    sa.Column("sent_version", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", UTCDateTime),
    sa.Column("overdue_reported_at", UTCDateTime),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # migration 0013: thread parts the platform accepted, [{index, remote_id, url, cid}]
    sa.Column("parts", JSONDoc),
    sa.UniqueConstraint("post_id", "channel_id"),
)

publish_pauses = sa.Table(
    "publish_pauses",
    metadata,
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("paused_at", UTCDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

# -- tracked links and approvals (migration 0012, kept by store.links and store.publishing)

tracked_links = sa.Table(
    "tracked_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("code", sa.String(20), nullable=False, unique=True),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("utm", JSONDoc, nullable=False),
    sa.Column("destination", sa.Text, nullable=False),
    sa.Column("channel_id", sa.ForeignKey("publish_channels.id", ondelete="SET NULL")),
    sa.Column("post_id", sa.ForeignKey("posts.id", ondelete="SET NULL")),
    sa.Column("created_by", sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# Counted per link and UTC day: clicks, filtered bot hits, repeats inside the window.
link_clicks = sa.Table(
    "link_clicks",
    metadata,
    sa.Column("link_id", sa.ForeignKey("tracked_links.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("clicks", sa.Integer, nullable=False),
    sa.Column("bots", sa.Integer, nullable=False),
    sa.Column("repeats", sa.Integer, nullable=False),
)

# The random salt of each UTC day (deleted after the next day): visitor hashes of older
# days cannot be linked to an address again.
link_salts = sa.Table(
    "link_salts",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("salt", sa.String(64), nullable=False),
)

# The dedupe window: a salted hash of address + user agent per link, never the address.
link_visitors = sa.Table(
    "link_visitors",
    metadata,
    sa.Column("link_id", sa.ForeignKey("tracked_links.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("visitor", sa.String(64), primary_key=True),
    sa.Column("seen_at", UTCDateTime, nullable=False),
)

publish_approval_rules = sa.Table(
    "publish_approval_rules",
    metadata,
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("required", sa.Boolean, nullable=False),
    sa.Column("steps", sa.Integer, nullable=False),
)

post_approvals = sa.Table(
    "post_approvals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("post_id", sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("decision", sa.String(20), nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

# -- media of posts (migration 0013, kept by store.publishing)

post_media = sa.Table(
    "post_media",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("post_id", sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("mime", sa.String(40), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    sa.Column("alt", sa.Text, nullable=False),
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("post_id", "position"),
)

# Per workspace: whether every image of a post needs alt text.
publish_settings = sa.Table(
    "publish_settings",
    metadata,
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("require_alt", sa.Boolean, nullable=False),
)

# -- recurring posts and queue slots (migration 0014, kept by store.post_series and
# store.queue_slots)

post_series = sa.Table(
    "post_series",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column("author_id", sa.ForeignKey("users.id", ondelete="SET NULL")),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("variants", JSONDoc, nullable=False),
    sa.Column("channel_ids", JSONDoc, nullable=False),
    sa.Column("timezone", sa.String(100), nullable=False),
    sa.Column("rule", JSONDoc, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("made", sa.Integer, nullable=False),
    sa.Column("next_local", sa.String(40)),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

publish_slots = sa.Table(
    "publish_slots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "channel_id", sa.ForeignKey("publish_channels.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("weekday", sa.Integer, nullable=False),
    sa.Column("time", sa.String(5), nullable=False),
    sa.Column("timezone", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("channel_id", "weekday", "time", name="uq_publish_slots"),
)

# One row per channel and slot instant taken by a queued post: the primary key is what
# keeps two posts queued at the same moment out of one slot.
slot_claims = sa.Table(
    "slot_claims",
    metadata,
    sa.Column(
        "channel_id", sa.ForeignKey("publish_channels.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("slot_at", UTCDateTime, primary_key=True),
    sa.Column("post_id", sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
)

# -- publishing notifications (migration 0015, kept by store.publish_notify)

publish_notify = sa.Table(
    "publish_notify",
    metadata,
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("channels", JSONDoc, nullable=False),  # alert channel ids
    sa.Column("lang", sa.String(10), nullable=False),
    sa.Column("since", UTCDateTime, nullable=False),
    # migration 0018: the events chosen (NULL: publishing.notify.DEFAULT_EVENTS)
    sa.Column("events", JSONDoc),
)

# -- e-mails about approvals (migration 0018, kept by store.approval_mails): one row per
# decision and recipient

approval_mails = sa.Table(
    "approval_mails",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "decision_id", sa.ForeignKey("post_approvals.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # pending | sent | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.UniqueConstraint("decision_id", "user_id", name="uq_approval_mails_decision_user"),
)

# -- a workspace's own aspect categories (migration 0020, kept by store.aspect_categories)

workspace_aspects = sa.Table(
    "workspace_aspects",
    metadata,
    sa.Column("workspace_id", sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("source", sa.Text, nullable=False),  # the category file's text
    sa.Column("fmt", sa.String(10), nullable=False),  # toml | json
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
