"""The publishing calendar: placement by wall time in an IANA zone around DST switches
(days of 23 and 25 hours), rescheduling through the REST endpoint and the move form
(approval kept, claims released, a past time refused next to the post), roles, escaping."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from resonanz.config import Settings
from resonanz.publishing import approval
from resonanz.web import create_app
from resonanz.web.calendar_grid import grid, place
from tests.web.conftest import World, api_headers, csrf_of
from tests.web.publishing_world import channel, pub_of, scheduled

BERLIN = ZoneInfo("Europe/Berlin")
# Europe/Berlin in 2027: clocks jump 02:00 -> 03:00 on 28 March, go back 03:00 -> 02:00 on
# 31 October.
SPRING, AUTUMN = date(2027, 3, 28), date(2027, 10, 31)
API = "/api/v1/workspaces/acme"


def _day_section(page: str, day: date) -> str:
    """The HTML of one day's column in the week view."""
    start = page.index(f'aria-labelledby="day-{day.isoformat()}"')
    end = page.find("<section", start)
    return page[start : end if end != -1 else len(page)]


def test_week_around_spring_forward_places_posts_by_wall_time(
    world: World, login: Callable[[str], TestClient]
) -> None:
    channel(world)
    early = scheduled(world, "Vor dem Sprung", "2027-03-28 01:30")
    after = scheduled(world, "Nach dem Sprung", "2027-03-28 03:30")
    late = scheduled(world, "Spät am Sonntag", "2027-03-28 23:30")  # 21:30 UTC
    monday = scheduled(world, "Montag früh", "2027-03-29 00:15")  # 22:15 UTC on Sunday
    client = login("viewer")
    page = client.get("/w/acme/calendar?view=week&date=2027-03-25&tz=Europe/Berlin")
    assert page.status_code == 200, page.text
    sunday = _day_section(page.text, SPRING)
    assert "23 hours" in sunday
    hours = re.findall(r'<li class="cal-slot[^>]*data-time="(\d\d:\d\d)"', sunday)
    assert len(hours) == 23 and "02:00" not in hours and hours[:3] == ["00:00", "01:00", "03:00"]
    for post in (early, after, late):
        assert f'id="post-{post.id}"' in sunday
    assert f'id="post-{monday.id}"' not in page.text  # Monday 29th: the next week
    following = client.get("/w/acme/calendar?view=week&date=2027-03-29&tz=Europe/Berlin")
    assert f'id="post-{monday.id}"' in _day_section(following.text, SPRING + timedelta(days=1))
    # the 01:30 post sits in the 01:00 CET slot, the 03:30 one in 03:00 CEST
    slot = sunday.split('data-time="01:00"', 1)[1].split("</li>", 1)[0]
    assert f'id="post-{early.id}"' in slot and "CET" in slot
    slot = sunday.split('data-time="03:00"', 1)[1].split("</li>", 1)[0]
    assert f'id="post-{after.id}"' in slot and "CEST" in slot
    # The same week in UTC: the Monday post is on Sunday, and the day has 24 hours.
    utc = client.get("/w/acme/calendar?view=week&date=2027-03-25&tz=UTC").text
    assert f'id="post-{monday.id}"' in _day_section(utc, SPRING)
    assert "23 hours" not in utc
    # The zone is remembered for the session.
    assert 'value="UTC"' in client.get("/w/acme/calendar").text


def test_fall_back_day_has_25_hours_and_two_two_oclock_slots(world: World) -> None:
    channel(world)
    first = scheduled(world, "Erstes 02:30", "2027-10-31 02:30")  # CEST, 00:30 UTC
    second = scheduled(world, "Zweites 02:30", "2027-10-31 01:30", tz="UTC")  # 02:30 CET
    calendar = grid("week", AUTUMN, BERLIN)
    ws = world.ids["acme.workspace"]
    posts = pub_of(world).scheduled_between(ws, calendar.start, calendar.end)
    place(calendar, posts, pub_of(world).deliveries_of_posts(ws, [p.id for p in posts]))
    sunday = calendar.days[-1]
    assert sunday.day == AUTUMN and sunday.hours == 25
    twos = [s for s in sunday.slots if s.label == "02:00"]
    assert [(s.zone, s.repeated) for s in twos] == [("CEST", False), ("CET", True)]
    assert [e.post.id for e in twos[0].entries] == [first.id]
    assert [e.post.id for e in twos[1].entries] == [second.id]
    assert calendar.days[0].start == datetime(2027, 10, 24, 22, 0, tzinfo=UTC)


def test_month_view_and_its_json(world: World, login: Callable[[str], TestClient]) -> None:
    channel(world)
    post = scheduled(world, "Monatsbeitrag", "2027-03-28 23:30")
    client = login("viewer")
    page = client.get("/w/acme/calendar?view=month&date=2027-03-10&tz=Asia/Tokyo")
    assert page.status_code == 200
    cell = page.text.split('data-date="2027-03-29"', 1)[1].split("</td>", 1)[0]
    assert f'id="post-{post.id}"' in cell  # 21:30 UTC is Monday 06:30 in Tokyo
    # 1 March 2027 is a Monday; the grid ends on the Sunday after the 31st
    assert page.text.count("<tr>") == 6 and 'data-date="2027-04-04"' in page.text
    body = client.get(f"{API}/calendar?view=month&date=2027-03-10&tz=Europe/Berlin").json()
    days = {d["day"]: d for d in body["days"]}
    assert days["2027-03-28"]["hours"] == 23
    [entry] = days["2027-03-28"]["posts"]
    assert entry["post_id"] == post.id and entry["local_time"] == "2027-03-28 23:30 CEST"
    assert entry["state"] == "scheduled" and entry["channels"] == ["masto"]
    bad = client.get("/w/acme/calendar?tz=Mars/Olympus")
    assert bad.status_code == 422 and "unknown time zone" in bad.text


def test_reschedule_keeps_approval_and_releases_claims(
    world: World, login: Callable[[str], TestClient]
) -> None:
    store, pub = world.store, pub_of(world)
    ws = world.ids["acme.workspace"]
    channel(world)
    post = scheduled(world, "Freigegeben", "2027-03-26 09:00")
    approval.set_rule(store, pub, ws, required=True, steps=1, user_id=None)
    approval.submit(store, pub, ws, post.id, None)
    approval.approve(store, pub, ws, post.id, world.users["admin"].id)
    [claimed] = pub.claim_due("runner-a", now=datetime(2027, 3, 26, 9, tzinfo=UTC), lease_s=60)
    assert claimed.post_id == post.id
    client = login("editor")
    moved = client.post(
        f"{API}/posts/{post.id}/schedule",
        json={"at": "2027-03-28 02:30", "timezone": "Europe/Berlin"},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["approval"] == "approved" and body["local_time"] == "2027-03-28 02:30"
    assert body["scheduled_at"] == "2027-03-28T01:30:00Z"  # the gap: 03:30 CEST
    [delivery] = pub.deliveries(ws, post_id=post.id)
    assert (delivery.state, delivery.claimed_by) == ("scheduled", None)
    assert delivery.due_at == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert pub.get_post(ws, post.id).approval == "approved"


def test_past_time_is_refused_next_to_the_post(
    world: World, login: Callable[[str], TestClient]
) -> None:
    channel(world)
    post = scheduled(world, "Bleibt", "2027-03-26 09:00")
    client = login("editor")
    token = csrf_of(client)
    api = client.post(
        f"{API}/posts/{post.id}/schedule",
        json={"at": "2020-01-01 09:00", "timezone": "Europe/Berlin"},
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 422
    assert "in the past" in api.json()["error"]["message"]
    assert "left as it was" in api.json()["error"]["message"]
    assert api.json()["error"]["post_id"] == post.id
    form = {"day": "2020-01-01", "time": "09:00", "tz": "Europe/Berlin", "view": "week"}
    page = client.post(
        f"/w/acme/calendar/posts/{post.id}/move?lang=de", data={**form, "csrf_token": token}
    )
    assert page.status_code == 422
    # the week of the post is shown again, the refusal inside the post's own box
    box = page.text.split(f'id="post-{post.id}-error">', 1)[1].split("</p>", 1)[0]
    assert box.startswith("Nicht verschoben:") and "in the past" in box
    stored = pub_of(world).get_post(world.ids["acme.workspace"], post.id)
    assert stored.scheduled_at == datetime(2027, 3, 26, 8, tzinfo=UTC)
    ok = client.post(
        f"/w/acme/calendar/posts/{post.id}/move?lang=en",
        data={**form, "day": "2027-03-27", "time": "10:45", "csrf_token": token},
    )
    assert ok.status_code == 200 and "moved to 2027-03-27 10:45 Europe/Berlin" in ok.text
    stored = pub_of(world).get_post(world.ids["acme.workspace"], post.id)
    assert stored.scheduled_at == datetime(2027, 3, 27, 9, 45, tzinfo=UTC)


def test_viewer_may_look_but_not_move(world: World, login: Callable[[str], TestClient]) -> None:
    channel(world)
    post = scheduled(world, "Nur ansehen", "2027-03-26 09:00")
    client = login("viewer")
    page = client.get("/w/acme/calendar?date=2027-03-26&tz=Europe/Berlin")
    assert f'id="post-{post.id}"' in page.text
    assert 'draggable="true"' not in page.text and "/move" not in page.text
    token = csrf_of(client)
    api = client.post(
        f"{API}/posts/{post.id}/schedule",
        json={"at": "2027-03-27 09:00", "timezone": "UTC"},
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 403
    form = client.post(
        f"/w/acme/calendar/posts/{post.id}/move",
        data={"day": "2027-03-27", "time": "09:00", "tz": "UTC", "csrf_token": token},
    )
    assert form.status_code == 403
    no_csrf = login("editor").post(
        f"{API}/posts/{post.id}/schedule", json={"at": "2027-03-27 09:00", "timezone": "UTC"}
    )
    assert no_csrf.status_code == 403
    assert pub_of(world).get_post(world.ids["acme.workspace"], post.id).local_time == (
        "2027-03-26 09:00"
    )


def test_texts_are_escaped(world: World, login: Callable[[str], TestClient]) -> None:
    channel(world)
    scheduled(world, '<script>alert("x")</script><img src=x onerror=alert(1)>', "2027-03-26 09:00")
    page = login("editor").get("/w/acme/calendar?date=2027-03-26&tz=Europe/Berlin")
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text


def test_calendar_and_move_on_both_backends(bworld: World, web_settings: Settings) -> None:
    """The range query and the reschedule on SQLite and PostgreSQL."""
    channel(bworld)
    inside = scheduled(bworld, "Drin", "2027-10-31 02:30")  # the first 02:30 (CEST)
    scheduled(bworld, "Davor", "2027-10-24 23:59")  # Sunday before: not in the week
    editor = api_headers(bworld, "editor")
    with TestClient(create_app(web_settings, bworld.store)) as client:
        week = client.get(
            f"{API}/calendar?view=week&date=2027-10-27&tz=Europe/Berlin", headers=editor
        ).json()
        assert week["start"] == "2027-10-24T22:00:00Z" and week["end"] == "2027-10-31T23:00:00Z"
        days = {d["day"]: d for d in week["days"]}
        assert days["2027-10-31"]["hours"] == 25
        assert [p["post_id"] for d in week["days"] for p in d["posts"]] == [inside.id]
        moved = client.post(
            f"{API}/posts/{inside.id}/schedule",
            json={"at": "2027-10-30 08:00", "timezone": "Europe/Berlin"},
            headers=editor,
        )
        assert moved.status_code == 200, moved.text
        again = client.get(
            f"{API}/calendar?view=week&date=2027-10-27&tz=Europe/Berlin", headers=editor
        ).json()
        days = {d["day"]: d for d in again["days"]}
        assert [p["local_time"] for p in days["2027-10-30"]["posts"]] == ["2027-10-30 08:00 CEST"]
