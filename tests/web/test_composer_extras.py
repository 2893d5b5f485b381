"""The composer's images (upload, alt text, required alt, bad files, 413), thread parts,
poll, "Add to queue" and repetition, through the real form routes (multipart)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from httpx import Response

from resonanz.config import Settings
from resonanz.publishing.models import Poll
from resonanz.publishing.queue import add_slots
from resonanz.store.post_series import series_of
from resonanz.store.publishing import publishing_store
from resonanz.web import create_app
from tests.publishing.images import image_bytes
from tests.web.conftest import World, csrf_of, log_in
from tests.web.test_posts_web import _channels

WS = "/w/acme"
Files = dict[str, tuple[str, bytes, str]]


def _post(
    client: TestClient, path: str, files: Files | None = None, **values: str | list[str]
) -> Response:
    data = {"csrf_token": csrf_of(client, f"{WS}/posts"), **values}
    # files= makes the body multipart, as the browser sends the composer's form
    return client.post(
        path, data=data, files=files or {"image-4": ("", b"", "")}, follow_redirects=False
    )


def _part(html: str, channel_id: int) -> str:
    return html.split(f'id="check-{channel_id}"', 1)[1].split("</div>", 1)[0]


def test_images_alt_required_bad_files_and_413(
    world: World, login: Callable[[str], TestClient], web_settings: Settings
) -> None:
    chans = _channels(world)
    pub = publishing_store(world.store)
    acme = world.ids["acme.workspace"]
    pub.set_require_alt(acme, True)
    client = login("editor")
    png = image_bytes("PNG")
    typed = {
        "text": "Neue Filiale <offen>",
        "channel": ["masto"],
        f"variant-{chans['masto'].id}": "Eigener Text für Mastodon",
        "date": "2099-05-04",
        "time": "10:30",
        "timezone": "Europe/Berlin",
        "action": "schedule",
    }
    cases = (
        ("en", png, "", "Please describe the image (alt text): this workspace requires it."),
        ("de", png, "", "Bitte das Bild beschreiben (Alternativtext): dieser Arbeitsbereich"),
        ("en", b"not an image at all", "Text", "This file is not an image"),
        ("de", png[: len(png) // 2], "Text", "Dieses Bild lässt sich nicht lesen"),
        ("en", b"", "Text", "The file is empty"),
    )
    for lang, data, alt, message in cases:
        answer = _post(
            client,
            f"{WS}/posts/new?lang={lang}",
            {"image-1": ("bild.png", data, "image/png")},
            **typed,
            **{"image-alt-1": alt},
        )
        assert answer.status_code == 422, (lang, message)
        html = answer.text
        error = html.split('id="e-image-1" class="field-error">', 1)[1].split("</small>", 1)[0]
        assert error.startswith(message), error
        assert "Neue Filiale &lt;offen&gt;</textarea>" in html
        assert 'name="channel" value="masto" checked' in html
        assert "Eigener Text für Mastodon</textarea>" in html
        assert 'value="2099-05-04"' in html and 'value="10:30"' in html
        assert '<option value="Europe/Berlin" selected>' in html
        assert 'id="e-images-again"' in html
    assert pub.list_posts(acme) == []

    made = _post(
        client,
        f"{WS}/posts/new",
        {"image-1": ("bild.png", png, "image/png")},
        **{**typed, "action": "draft", "image-alt-1": "Eine rote Fläche"},
    )
    assert made.status_code == 303, made.text
    [post] = pub.list_posts(acme)
    [media] = post.media
    assert media.alt == "Eine rote Fläche" and media.mime == "image/png"
    edit = client.get(f"{WS}/posts/{post.id}/edit")
    assert f'<img src="/m/{media.token}" alt="Eine rote Fläche"' in edit.text
    assert f'name="alt-{media.id}"' in edit.text and 'name="image-3"' in edit.text
    # The live check counts the stored image: Bluesky's preview shows it with its alt.
    check = _post(client, f"{WS}/posts/check", post_id=str(post.id), text="Hallo")
    assert f'src="/m/{media.token}" alt="Eine rote Fläche"' in _part(
        check.text,
        chans["masto"].id,
    )

    # Edit: a second image, the first one's alt text changed, in one submit.
    gif = image_bytes("GIF")
    changed = _post(
        client,
        f"{WS}/posts/{post.id}/edit",
        {"image-1": ("b.gif", gif, "image/gif")},
        text="Neue Filiale",
        action="draft",
        **{f"alt-{media.id}": "Rote Fläche", "image-alt-1": "Zweites Bild"},
    )
    assert changed.status_code == 303, changed.text
    post = pub.get_post(acme, post.id)
    assert [(m.alt, m.mime) for m in post.media] == [
        ("Rote Fläche", "image/png"),
        ("Zweites Bild", "image/gif"),
    ]
    # Remove the first: the form is saved and shown again with the image gone.
    removed = _post(
        client,
        f"{WS}/posts/{post.id}/edit?lang=de",
        text="Neue Filiale, jetzt offen",
        remove_image=str(post.media[0].id),
    )
    assert removed.status_code == 200 and "Das Bild wurde entfernt" in removed.text
    post = pub.get_post(acme, post.id)
    assert [m.alt for m in post.media] == ["Zweites Bild"]
    assert post.text == "Neue Filiale, jetzt offen"

    # Over the app's request limit: 413 before anything is read.
    small = replace(web_settings, max_request_bytes=50_000)
    with TestClient(create_app(small, world.store)) as limited:
        log_in(limited, "editor@acme.test")
        big = image_bytes("PNG", (200, 200), noise=True)
        assert len(big) > 50_000
        refused = _post(
            limited, f"{WS}/posts/new", {"image-1": ("big.png", big, "image/png")}, **typed
        )
        assert refused.status_code == 413
    assert len(pub.list_posts(acme)) == 1


def test_thread_and_poll_checked_per_channel_and_stored(
    world: World, login: Callable[[str], TestClient]
) -> None:
    chans = _channels(world)
    pub = publishing_store(world.store)
    acme = world.ids["acme.workspace"]
    client = login("editor")
    answer = _post(
        client,
        f"{WS}/posts/check",
        text="Teil eins",
        channel=["masto", "sky"],
        thread=["Teil zwei", "ü" * 301, " "],
        **{"poll-option": ["Ja", "Nein", ""], "poll-minutes": "60"},
    )
    html = answer.text
    sky = _part(html, chans["sky"].id)
    assert "Thread part 3: 301 characters (graphemes), 1 over the limit of 300." in sky
    assert "Thread part 2: 9 of 300" in sky and "cannot publish polls" in sky
    masto = _part(html, chans["masto"].id)
    assert "Thread part 3: 301 of 500" in masto and "field-error post-errors" not in masto
    assert "<small>2.</small> Teil zwei</blockquote>" in masto  # the preview has the parts

    same = _post(
        client,
        f"{WS}/posts/new?lang=de",
        text="Umfrage",
        channel=["masto"],
        action="draft",
        **{"poll-option": ["Ja", "Ja"]},
    )
    assert same.status_code == 422
    assert "Die Umfrage hat eine Option doppelt." in same.text
    assert 'name="poll-option" value="Ja"' in same.text
    assert pub.list_posts(acme) == []

    made = _post(
        client,
        f"{WS}/posts/new",
        text="Was meint ihr?",
        channel=["masto"],
        action="draft",
        thread=["Teil zwei", ""],
        **{"poll-option": ["Ja", "Nein", "Vielleicht"], "poll-minutes": "4320"},
        **{"poll-multiple": "1"},
    )
    assert made.status_code == 303, made.text
    [post] = pub.list_posts(acme)
    assert post.thread == ("Teil zwei",)
    assert post.poll == Poll(("Ja", "Nein", "Vielleicht"), 4320, True)
    edit = client.get(f"{WS}/posts/{post.id}/edit")
    assert "Teil zwei</textarea>" in edit.text and 'value="4320" selected' in edit.text
    # The edit form without thread parts and options: both removed.
    _post(client, f"{WS}/posts/{post.id}/edit", text="Was meint ihr?", action="draft")
    post = pub.get_post(acme, post.id)
    assert post.thread == () and post.poll is None


def test_queue_and_repetition_from_the_form(bworld: World, web_settings: Settings) -> None:
    world = bworld
    _channels(world)
    pub = publishing_store(world.store)
    acme = world.ids["acme.workspace"]
    with TestClient(create_app(web_settings, world.store)) as client:
        log_in(client, "editor@acme.test")
        none = _post(
            client,
            f"{WS}/posts/new?lang=de",
            text="In die Warteschlange",
            channel=["masto"],
            action="queue",
        )
        assert none.status_code == 422
        assert "Kanal masto hat keine Warteschlangen-Zeiten" in none.text
        [post] = pub.list_posts(acme)
        assert post.status == "draft"

        add_slots(pub, acme, "masto", ["mon 09:00"], timezone="Europe/Berlin")
        queued = _post(
            client, f"{WS}/posts/{post.id}/edit", text="In die Warteschlange", action="queue"
        )
        assert queued.status_code == 303, queued.text
        post = pub.get_post(acme, post.id)
        assert post.status == "scheduled" and post.local_time is not None
        assert post.local_time.endswith("09:00") and post.scheduled_at is not None
        assert post.scheduled_at.astimezone(UTC) > datetime.now(UTC)
        page = client.get(queued.headers["location"] + "&lang=en")
        assert f"next free slot of its channels is {post.local_time} Europe/Berlin" in page.text

        repeat = {
            "text": "Wochenstart",
            "channel": ["masto"],
            "date": "2099-03-02",
            "time": "08:00",
            "timezone": "Europe/Berlin",
            "action": "schedule",
            "repeat": "weekly",
            "repeat-end": "count",
            "repeat-count": "0",
        }
        wrong = _post(client, f"{WS}/posts/new?lang=de", **repeat)
        assert wrong.status_code == 422
        html = wrong.text
        assert "Bitte mindestens einen Wochentag ankreuzen." in html
        assert "Bitte angeben, wie oft: 1 bis 1000 Mal." in html
        assert 'value="weekly" selected' in html and "Wochenstart</textarea>" in html
        assert series_of(pub).all(acme) == []
        made = _post(
            client,
            f"{WS}/posts/new",
            **{**repeat, "repeat-on": ["mon", "thu"], "repeat-count": "3"},
        )
        assert made.status_code == 303, made.text
        [series] = series_of(pub).all(acme)
        assert series.rule.weekdays == (0, 3) and series.rule.count == 3
        first = int(made.headers["location"].split("/")[-1].split("?")[0])
        assert pub.get_post(acme, first).local_time == "2099-03-02 08:00"
