"""Publishing pages: posts list, composer with live checks, post detail and its actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from resonanz.models import Author, Mention
from resonanz.publishing.models import PublishChannel
from resonanz.store import SqlStore
from resonanz.store.publishing import publishing_store
from tests.web.conftest import World, csrf_of

WS = "/w/acme"


def _channels(world: World) -> dict[str, PublishChannel]:
    """A Mastodon (500 characters), a Bluesky and an X channel of acme, and other's."""
    pub = publishing_store(world.store)
    acme = world.ids["acme.workspace"]
    now = datetime.now(UTC)
    made = {
        "masto": pub.add_channel(
            acme,
            "mastodon",
            "masto",
            {"instance": "https://m.example", "max_characters": 500, "account": "@a@m.example"},
            None,
            at=now,
        ),
        "sky": pub.add_channel(acme, "bluesky", "sky", {"handle": "a.test"}, None, at=now),
        "xx": pub.add_channel(acme, "x", "xx", {"account": "@acme"}, None, at=now),
    }
    pub.add_channel(world.ids["other.workspace"], "mastodon", "Kanal von other", {}, None, at=now)
    return made


def save_tagged_mentions(store: SqlStore, workspace_id: int) -> None:
    """Five recent mentions about a train to Köln, each with #Bahnchaos."""
    now = datetime.now(UTC)
    store.save_batch(
        workspace_id,
        [
            Mention(
                platform="web",
                native_id=f"tag-{i}",
                text=f"Der Zug nach Köln fällt wieder aus #Bahnchaos ({i})",
                collected_at=now,
                created_at=now - timedelta(hours=i),
                author=Author(platform="web", handle=f"t{i}"),
                lang="de",
            )
            for i in range(5)
        ],
    )


def _form(client: TestClient, **values: str | list[str]) -> dict[str, str | list[str]]:
    return {"csrf_token": csrf_of(client, f"{WS}/posts"), **values}


def test_composer_live_check_counts_in_each_platforms_units(
    world: World, login: Callable[[str], TestClient]
) -> None:
    chans = _channels(world)
    client = login("editor")
    page = client.get(f"{WS}/posts/new")
    assert page.status_code == 200
    assert 'hx-post="/w/acme/posts/check"' in page.text
    assert "Kanal von other" not in page.text
    # 12 emoji with skin tone: 12 graphemes on Bluesky, 24 weighted characters on X.
    text = "\U0001f44d\U0001f3fd" * 12 + " https://example.org/a/very/long/path/to/a/page"
    answer = client.post(
        f"{WS}/posts/check",
        data=_form(client, text=text, channel=["sky", "xx"]),
    )
    assert answer.status_code == 200
    sky, xx = chans["sky"].id, chans["xx"].id
    part = answer.text.split(f'id="check-{sky}"', 1)[1].split("</div>", 1)[0]
    # Bluesky counts the link as written (46 characters), plus a space: 12 + 1 + 46.
    assert "59 of 300 characters (graphemes)" in part
    part = answer.text.split(f'id="check-{xx}"', 1)[1].split("</div>", 1)[0]
    assert "48 of 280 weighted characters" in part and "each link counts as 23" in part
    assert f'id="check-{chans["masto"].id}"' in answer.text  # unselected: emptied
    german = client.post(
        f"{WS}/posts/check?lang=de",
        data=_form(client, text="x" * 301, channel=["sky"]),
    )
    assert "301 Zeichen (Grapheme): 1 mehr als die Grenze von 300." in german.text
    # A channel's own further checks (Instagram: an image line) show too, in English.
    insta = publishing_store(world.store).add_channel(
        world.ids["acme.workspace"],
        "instagram",
        "insta",
        {"ig_user": "1"},
        None,
        at=datetime.now(UTC),
    )
    answer = client.post(f"{WS}/posts/check", data=_form(client, text="Hallo", channel=["insta"]))
    part = answer.text.split(f'id="check-{insta.id}"', 1)[1].split("</div>", 1)[0]
    assert (
        "Instagram needs an image" in part and "5 von 2.200 Zeichen in der Bildunterschrift" in part
    )


def test_validation_errors_next_to_fields_values_kept(
    world: World, login: Callable[[str], TestClient]
) -> None:
    chans = _channels(world)
    client = login("editor")
    typed = "Gleich geht's los <b>heute</b>"
    for lang, no_channel, no_time in (
        ("en", "Please choose at least one channel.", "Please enter a date and a time."),
        ("de", "Bitte mindestens einen Kanal wählen.", "Bitte Datum und Uhrzeit angeben."),
    ):
        answer = client.post(
            f"{WS}/posts/new?lang={lang}",
            data=_form(client, text=typed, action="schedule", timezone="Europe/Berlin"),
        )
        assert answer.status_code == 422
        assert f'<p id="e-channels" class="field-error">{no_channel}</p>' in answer.text
        assert f'<small id="e-time" class="field-error">{no_time}</small>' in answer.text
        assert "Gleich geht&#39;s los &lt;b&gt;heute&lt;/b&gt;</textarea>" in answer.text
        assert '<option value="Europe/Berlin" selected>' in answer.text
    assert publishing_store(world.store).list_posts(world.ids["acme.workspace"]) == []

    # Too long for Bluesky and scheduled: kept as a draft, the reasons next to the channel.
    long = "ü" * 320
    answer = client.post(
        f"{WS}/posts/new?lang=de",
        data=_form(
            client,
            text=long,
            channel=["sky", "masto"],
            action="schedule",
            date="2099-12-24",
            time="09:00",
            timezone="Europe/Berlin",
        ),
    )
    assert answer.status_code == 422
    assert "als Entwurf gespeichert" in answer.text
    [post] = publishing_store(world.store).list_posts(world.ids["acme.workspace"])
    assert post.status == "draft" and post.text == long
    assert f'action="{WS}/posts/{post.id}/edit"' in answer.text
    assert 'name="channel" value="sky" checked disabled>' in answer.text
    sky_part = answer.text.split(f'id="check-{chans["sky"].id}"', 1)[1].split("</div>", 1)[0]
    assert "320 Zeichen (Grapheme): 20 mehr als die Grenze von 300." in sky_part
    masto_part = answer.text.split(f'id="check-{chans["masto"].id}"', 1)[1].split("</div>", 1)[0]
    assert "320 von 500 Zeichen" in masto_part and "field-error" not in masto_part
    assert 'value="2099-12-24"' in answer.text and 'value="09:00"' in answer.text

    # A time in the past: kept as a draft too, the time marked.
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    answer = client.post(
        f"{WS}/posts/new?lang=en",
        data=_form(
            client, text="Kurz", channel=["masto"], action="schedule", date=past, time="08:00"
        ),
    )
    assert answer.status_code == 422
    assert "This time has already passed" in answer.text


def test_scheduled_post_appears_in_outbox_and_list(
    world: World, login: Callable[[str], TestClient]
) -> None:
    chans = _channels(world)
    client = login("editor")
    answer = client.post(
        f"{WS}/posts/new",
        data=_form(
            client,
            text="Frohe Weihnachten",
            channel=["masto", "sky"],
            **{
                f"variant-{chans['sky'].id}": "Frohe Weihnachten, Bluesky",
                f"variant-{chans['xx'].id}": "for X, which is not chosen: left out",
            },
            action="schedule",
            date="2099-12-24",
            time="09:00",
            timezone="Europe/Berlin",
        ),
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    pub = publishing_store(world.store)
    [post] = pub.list_posts(world.ids["acme.workspace"])
    assert answer.headers["location"] == f"{WS}/posts/{post.id}"
    assert post.status == "scheduled" and post.local_time == "2099-12-24 09:00"
    assert post.scheduled_at == datetime(2099, 12, 24, 8, 0, tzinfo=UTC)
    deliveries = pub.deliveries(world.ids["acme.workspace"], post_id=post.id)
    assert sorted((d.channel_name, d.state) for d in deliveries) == [
        ("masto", "scheduled"),
        ("sky", "scheduled"),
    ]
    assert post.text_for(chans["sky"].id) == "Frohe Weihnachten, Bluesky"
    assert chans["xx"].id not in post.variants
    listing = client.get(f"{WS}/posts?status=scheduled")
    assert "2099-12-24 09:00 Europe/Berlin" in listing.text
    assert "masto: <strong>scheduled</strong>" in listing.text
    assert "Frohe Weihnachten" not in client.get(f"{WS}/posts?status=draft").text
    detail = client.get(f"{WS}/posts/{post.id}")
    assert "Frohe Weihnachten, Bluesky" in detail.text
    german = client.get(f"{WS}/posts?lang=de")
    assert "Veröffentlichen" in german.text and "geplant" in german.text


def test_viewer_is_refused_and_text_is_escaped(
    world: World, login: Callable[[str], TestClient]
) -> None:
    _channels(world)
    editor = login("editor")
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    made = editor.post(
        f"{WS}/posts/new",
        data=_form(editor, text=attack, channel=["masto"], action="draft"),
        follow_redirects=False,
    )
    assert made.status_code == 303
    post_id = made.headers["location"].rsplit("/", 1)[1]
    viewer = login("viewer")
    for path in (f"{WS}/posts", f"{WS}/posts/{post_id}"):
        page = viewer.get(path)
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    check = editor.post(f"{WS}/posts/check", data=_form(editor, text=attack, channel=["masto"]))
    assert "<script>alert" not in check.text and "&lt;script&gt;" in check.text
    assert viewer.get(f"{WS}/posts/new").status_code == 403
    refused = viewer.post(
        f"{WS}/posts/new", data=_form(viewer, text="nein", channel=["masto"], action="draft")
    )
    assert refused.status_code == 403
    assert viewer.post(f"{WS}/posts/{post_id}/delete", data=_form(viewer)).status_code == 403
    assert len(publishing_store(world.store).list_posts(world.ids["acme.workspace"])) == 1


def test_edit_approval_and_actions(world: World, login: Callable[[str], TestClient]) -> None:
    _channels(world)
    pub = publishing_store(world.store)
    acme = world.ids["acme.workspace"]
    pub.set_approval_rule(acme, required=True, steps=1)
    editor, admin = login("editor"), login("admin")
    made = editor.post(
        f"{WS}/posts/new",
        data=_form(editor, text="Entwurf", channel=["masto"], action="draft"),
        follow_redirects=False,
    )
    post_id = int(made.headers["location"].rsplit("/", 1)[1])
    base = f"{WS}/posts/{post_id}"
    edit = editor.get(f"{base}/edit")
    assert "Entwurf</textarea>" in edit.text and 'name="post_id"' in edit.text
    changed = editor.post(
        f"{base}/edit", data=_form(editor, text="Neu", action="draft"), follow_redirects=False
    )
    assert changed.status_code == 303 and pub.get_post(acme, post_id).text == "Neu"
    page = editor.get(base)
    assert "Submit for approval" in page.text and "Approve" not in page.text
    editor.post(f"{base}/submit", data=_form(editor))
    assert pub.get_post(acme, post_id).approval == "pending_approval"
    assert editor.post(f"{base}/approve", data=_form(editor)).status_code == 403
    empty = admin.post(f"{base}/reject?lang=de", data=_form(admin, comment=" "))
    assert empty.status_code == 422 and "was geändert werden soll" in empty.text
    admin.post(f"{base}/reject", data=_form(admin, comment="Bitte <kürzer>"))
    post = pub.get_post(acme, post_id)
    assert post.approval == "rejected" and post.approval_comment == "Bitte <kürzer>"
    assert "Bitte &lt;kürzer&gt;" in editor.get(base).text
    editor.post(f"{base}/submit", data=_form(editor))
    admin.post(f"{base}/approve", data=_form(admin, comment="ok"))
    assert pub.get_post(acme, post_id).approval == "approved"
    published = editor.post(f"{base}/publish-now", data=_form(editor), follow_redirects=False)
    assert published.status_code == 303
    [delivery] = pub.deliveries(acme, post_id=post_id)
    assert delivery.state == "scheduled" and pub.get_post(acme, post_id).status == "scheduled"
    deleted = editor.post(f"{base}/delete", data=_form(editor), follow_redirects=False)
    assert deleted.status_code == 303
    assert pub.get_post(acme, post_id).status == "deleted"
    assert "Neu" in editor.get(f"{WS}/posts?status=deleted").text


def test_hashtag_suggestions_from_own_mentions(
    world: World, login: Callable[[str], TestClient]
) -> None:
    save_tagged_mentions(world.store, world.ids["acme.workspace"])
    client = login("editor")
    answer = client.post(
        f"{WS}/posts/hashtags", data=_form(client, text="Unser Zug nach Köln fährt heute")
    )
    assert answer.status_code == 200
    assert 'data-add-tag="#bahnchaos"' in answer.text, answer.text
    empty = client.post(f"{WS}/posts/hashtags?lang=de", data=_form(client, text=" "))
    assert "Bitte zuerst etwas Text schreiben." in empty.text
    viewer = login("viewer")
    refused = viewer.post(f"{WS}/posts/hashtags", data=_form(viewer, text="Zug nach Köln"))
    assert refused.status_code == 403
