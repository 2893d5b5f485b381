"""The approvals queue page: the rule (admins), posts waiting with their text per
channel, approve in N steps by different approvers, reject with a required comment;
who may do what."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from resonanz.publishing import approval, compose
from tests.web.conftest import World, csrf_of
from tests.web.publishing_world import channel, classes, pub_of


def _waiting(world: World, text: str = "Zur Freigabe", **variants: str) -> int:
    """A post of acme to masto and sky, submitted for approval; its id."""
    ws = world.ids["acme.workspace"]
    post = compose.new_post(
        pub_of(world), classes(), ws, text, ["masto", "sky"], variants=variants
    ).post
    approval.submit(world.store, pub_of(world), ws, post.id, world.users["editor"].id)
    return post.id


def test_admin_sets_the_rule_others_may_not(
    world: World, login: Callable[[str], TestClient]
) -> None:
    ws = world.ids["acme.workspace"]
    admin = login("admin")
    page = admin.get("/w/acme/approvals")
    assert page.status_code == 200 and "does not require approval" in page.text
    token = csrf_of(admin)
    bad = admin.post(
        "/w/acme/approvals/rule?lang=de", data={"required": "1", "steps": "9", "csrf_token": token}
    )
    assert bad.status_code == 422 and "ganze Zahl von 1 bis 5" in bad.text
    done = admin.post(
        "/w/acme/approvals/rule",
        data={"required": "1", "steps": "2", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    rule = pub_of(world).approval_rule(ws)
    assert (rule.required, rule.steps) == (True, 2)
    assert "2 different approvers" in admin.get("/w/acme/approvals?lang=en").text
    editor = login("editor")
    refused = editor.post(
        "/w/acme/approvals/rule", data={"steps": "1", "csrf_token": csrf_of(editor)}
    )
    assert refused.status_code == 403
    assert pub_of(world).approval_rule(ws).required
    entries = world.store.accounts.audit_entries(ws)
    assert any(e.action == "publishing.approval_rule" for e in entries)


def test_two_step_approval_and_rejection_with_comment(
    world: World, login: Callable[[str], TestClient]
) -> None:
    store, pub = world.store, pub_of(world)
    ws = world.ids["acme.workspace"]
    channel(world, "masto")
    channel(world, "sky")
    approval.set_rule(store, pub, ws, required=True, steps=2, user_id=None)
    store.accounts.add_member(ws, world.users["editor"].id, "editor", approver=True)
    first = _waiting(world, "Haupttext <b>fett</b>", sky="Kurz für Bluesky")
    second = _waiting(world, "Zweiter Beitrag")

    admin = login("admin")
    page = admin.get("/w/acme/approvals")
    section = page.text.split(f'id="approval-{first}"', 1)[1].split("</article>", 1)[0]
    assert "Haupttext &lt;b&gt;fett&lt;/b&gt;" in section and "Kurz für Bluesky" in section
    assert "approvals: 0 of 2" in section and "submitted by Editor" in section
    token = csrf_of(admin)
    step = admin.post(
        f"/w/acme/approvals/{first}/approve",
        data={"comment": "passt", "csrf_token": token},
        follow_redirects=False,
    )
    assert step.status_code == 303
    assert pub.get_post(ws, first).approval == "pending_approval"
    again = admin.post(f"/w/acme/approvals/{first}/approve", data={"csrf_token": token})
    assert again.status_code == 409 and "already approved" in again.text
    editor = login("editor")  # an approver by flag
    etoken = csrf_of(editor)
    editor.post(f"/w/acme/approvals/{first}/approve", data={"csrf_token": etoken})
    assert pub.get_post(ws, first).approval == "approved"
    assert f'id="approval-{first}"' not in editor.get("/w/acme/approvals").text

    empty = editor.post(
        f"/w/acme/approvals/{second}/reject?lang=de", data={"comment": " ", "csrf_token": etoken}
    )
    assert empty.status_code == 422 and "braucht einen Kommentar" in empty.text
    editor.get("/w/acme/approvals?lang=en")
    assert pub.get_post(ws, second).approval == "pending_approval"
    editor.post(
        f"/w/acme/approvals/{second}/reject",
        data={"comment": "Bitte Link ergänzen", "csrf_token": etoken},
    )
    rejected = pub.get_post(ws, second)
    assert (rejected.approval, rejected.status) == ("rejected", "draft")
    assert rejected.approval_comment == "Bitte Link ergänzen"


def test_who_may_approve(world: World, login: Callable[[str], TestClient]) -> None:
    channel(world, "masto")
    channel(world, "sky")
    post_id = _waiting(world)
    editor = login("editor")  # no approver flag
    page = editor.get("/w/acme/approvals")
    assert f'id="approval-{post_id}"' in page.text and "/approve" not in page.text
    refused = editor.post(
        f"/w/acme/approvals/{post_id}/approve", data={"csrf_token": csrf_of(editor)}
    )
    assert refused.status_code == 403
    analyst = login("analyst")
    assert (
        analyst.post(
            f"/w/acme/approvals/{post_id}/approve", data={"csrf_token": csrf_of(analyst)}
        ).status_code
        == 403
    )
    ws = world.ids["acme.workspace"]
    assert pub_of(world).get_post(ws, post_id).approval == "pending_approval"
