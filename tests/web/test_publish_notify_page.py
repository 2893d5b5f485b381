"""The delivery page's publishing notifications block: admins choose alert channels,
events (the approval ones too) and language through the store's rules; refused input is
named next to its field in German and English and nothing is stored; editors and
viewers only read the choice; REST shows the same choice."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from resonanz.alerts.channels import add_channel
from resonanz.config import Settings
from resonanz.store.publish_notify import notify_store
from tests.web.conftest import World, api_headers, csrf_of

PAGE = "/w/acme/delivery"
SAVE = "/w/acme/delivery/notifications"


def _hooks(world: World, settings: Settings) -> None:
    acme = world.store.get_workspace("acme")
    for name in ("pr-hook", "team-hook"):
        add_channel(
            world.store,
            settings,
            acme,
            name,
            "webhook",
            {"url": f"https://hooks.example/{name}", "secret": "a-shared-secret-0123456789"},
        )


def test_admin_chooses_events_channels_and_language(
    world: World, login: Callable[[str], TestClient], web_settings: Settings
) -> None:
    _hooks(world, web_settings)
    admin = login("admin")
    page = admin.get(PAGE).text
    assert 'action="/w/acme/delivery/notifications"' in page
    assert 'value="needs_attention" checked' in page
    assert 'value="approval_requested" >' in page  # not chosen by default
    saved = admin.post(
        SAVE,
        data={
            "csrf_token": csrf_of(admin),
            "channels": ["team-hook"],
            "events": ["approval_requested", "rejected", "failed"],
            "lang": "en",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    stored = notify_store(world.store).get(world.ids["acme.workspace"])
    assert stored is not None and stored.lang == "en"
    assert stored.events == ("approval_requested", "rejected", "failed")
    page = admin.get(PAGE).text
    assert 'value="team-hook" checked' in page and 'value="pr-hook" >' in page
    assert 'value="approval_requested" checked' in page
    api = admin.get(
        "/api/v1/workspaces/acme/publishing/notifications", headers=api_headers(world, "viewer")
    )
    assert api.json()["events"] == ["approval_requested", "rejected", "failed"]
    assert api.json()["channels"] == ["team-hook"]

    # The editor sees the choice, may not change it.
    editor = login("editor")
    text = editor.get(PAGE).text
    assert "Events go to: team-hook (en)." in text and SAVE not in text
    refused = editor.post(SAVE, data={"csrf_token": csrf_of(editor), "lang": "de"})
    assert refused.status_code == 403


def test_refused_input_is_named_at_its_field_in_both_languages(
    world: World, login: Callable[[str], TestClient], web_settings: Settings
) -> None:
    _hooks(world, web_settings)
    admin = login("admin")
    token = csrf_of(admin)
    bad = admin.post(SAVE, data={"csrf_token": token, "channels": ["pr-hook"], "lang": "fr"})
    assert bad.status_code == 422
    assert 'id="notify-lang-error" class="field-error">Choose German or English.' in bad.text
    assert "Choose at least one event, or no channel to stop notifying." in bad.text
    assert 'value="pr-hook" checked' in bad.text  # what was typed stays
    german = admin.post(
        f"{SAVE}?lang=de",
        data={"csrf_token": token, "channels": ["gone"], "events": ["failed"], "lang": "de"},
    )
    assert german.status_code == 422
    assert "Dieser Arbeitsbereich hat keinen Alarmkanal namens gone." in german.text
    unknown = admin.post(
        f"{SAVE}?lang=en", data={"csrf_token": token, "events": ["explode"], "lang": "en"}
    )
    assert "Choose among the listed events." in unknown.text
    assert notify_store(world.store).get(world.ids["acme.workspace"]) is None

    # No channel ticked stops the notifications.
    admin.post(SAVE, data={"csrf_token": token, "channels": ["pr-hook"], "events": ["failed"]})
    stopped = admin.post(SAVE, data={"csrf_token": token, "lang": "de"}, follow_redirects=False)
    assert stopped.status_code == 303
    stored = notify_store(world.store).get(world.ids["acme.workspace"])
    assert stored is not None and stored.channel_ids == ()
    assert "No alert channel gets publishing events." in login("viewer").get(PAGE).text
