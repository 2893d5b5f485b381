"""Publishing: channels, posts and the outbox of record that delivers them (docs/publishing.md).

models.py      records: PublishChannel, Post, Delivery, Attempt, Receipt
states.py      the delivery state machine and backoff
text.py        length rules in each platform's own units (graphemes, URLs as 23)
when.py        schedule times: a wall time in an IANA zone -> UTC (DST rules)
compose.py     create, edit, schedule, publish-now, delete posts (validated)
connect.py     add, test, reconnect, remove channels (credentials encrypted)
channels/      the channel contract and the Mastodon and Bluesky clients
scheduler.py   claims due deliveries, sends them once, records the outcome
sweeper.py     reports deliveries overdue by more than five minutes
"""
