"""Images, threads and polls of posts: uploads are sniffed from their bytes and checked
whole (a bad one stores nothing), stored with their alt text on SQLite and PostgreSQL,
and checked per channel in the platform's units; a post that breaks a rule stays a draft
and the error names the post, the channel and the image, part or option."""

from __future__ import annotations

import pytest

from resonanz.errors import ValidationError
from resonanz.publishing import compose
from resonanz.publishing.compose import NewImage
from resonanz.publishing.media import inspect_image
from resonanz.publishing.models import Poll

from .conftest import World
from .images import image_bytes

LATER = "2099-01-01 09:00"


def test_types_are_sniffed_from_the_bytes() -> None:
    for fmt, mime in (
        ("PNG", "image/png"),
        ("JPEG", "image/jpeg"),
        ("GIF", "image/gif"),
        ("WEBP", "image/webp"),
    ):
        info = inspect_image(image_bytes(fmt))
        assert (info.mime, info.width, info.height) == (mime, 40, 30)
        assert len(info.sha256) == 64
    with pytest.raises(ValidationError, match="image 2 is not a JPEG, PNG, GIF or WebP"):
        inspect_image(b"%PDF-1.7 not an image at all", "image 2")
    png, jpeg = image_bytes("PNG", noise=True), image_bytes("JPEG", (200, 200), noise=True)
    with pytest.raises(ValidationError, match="image 1 is a damaged or incomplete PNG"):
        inspect_image(png[: len(png) // 2], "image 1")
    with pytest.raises(ValidationError, match="incomplete JPEG"):
        inspect_image(jpeg[: len(jpeg) - 200], "image 1")
    with pytest.raises(ValidationError, match="more than the 16,777,216 any channel takes"):
        inspect_image(png + b"\0" * (16 * 1024 * 1024), "image 1")


def test_media_thread_and_poll_are_stored(world: World, classes: dict[str, type]) -> None:
    world.channel("masto")
    world.channel("sky", "bluesky")
    composed = compose.new_post(
        world.pub,
        classes,
        world.workspace.id,
        "Teil 1",
        ["masto", "sky"],
        images=[
            NewImage(image_bytes("PNG"), " Ein rotes Rechteck "),
            NewImage(image_bytes("JPEG")),
        ],
        thread=["Teil 2", "Teil 3"],
        at=LATER,
    )
    post = world.pub.get_post(world.workspace.id, composed.post.id)
    assert post.status == "scheduled" and post.thread == ("Teil 2", "Teil 3")
    assert [(m.position, m.mime, m.alt, m.width) for m in post.media] == [
        (0, "image/png", "Ein rotes Rechteck", 40),
        (1, "image/jpeg", "", 40),
    ]
    [listed] = world.pub.list_posts(world.workspace.id)
    assert listed.media == post.media
    files = world.pub.media_files(post.id)
    assert files[0].data == image_bytes("PNG") and files[0].media == post.media[0]
    assert world.pub.media_by_token(post.media[1].token) == files[1]
    assert world.pub.media_by_token("nope") is None


def test_a_bad_upload_stores_nothing(world: World, classes: dict[str, type]) -> None:
    world.channel("masto")
    with pytest.raises(ValidationError, match="image 2 is not a JPEG"):
        compose.new_post(
            world.pub,
            classes,
            world.workspace.id,
            "Hallo",
            ["masto"],
            images=[NewImage(image_bytes()), NewImage(b"hello")],
        )
    assert world.pub.list_posts(world.workspace.id) == []


def test_channel_rules_keep_the_post_a_draft(world: World, classes: dict[str, type]) -> None:
    world.channel("masto")
    world.channel("sky", "bluesky")
    big = image_bytes("PNG", (600, 600), noise=True)
    assert len(big) > 1_000_000
    with pytest.raises(ValidationError) as caught:
        compose.new_post(
            world.pub,
            classes,
            world.workspace.id,
            "Umfrage",
            ["masto", "sky"],
            images=[NewImage(big, "x" * 1501)],
            thread=["ok", "🇩🇪" * 301],
            poll=Poll(options=("Ja", "N" * 51)),
            at=LATER,
        )
    said = str(caught.value)
    assert said.startswith("post ") and "kept as a draft, not scheduled" in said
    assert "sky (bluesky): image 1 (PNG, " in said and "more than the limit of 1,000,000" in said
    assert "masto (mastodon): image 1 (PNG, " in said and "alt text has 1501 characters" in said
    assert "masto (mastodon): a post cannot have both images and a poll here" in said
    assert "masto (mastodon): poll option 2 ('NNNN" in said and "limit is 50" in said
    assert "sky (bluesky): Resonanz cannot publish polls to this channel" in said
    assert "sky (bluesky): thread part 3: the text has 301 graphemes" in said
    [post] = world.pub.list_posts(world.workspace.id)
    assert post.status == "draft" and len(post.media) == 1  # nothing the user gave is lost


def test_alt_text_required_by_the_workspace(world: World, classes: dict[str, type]) -> None:
    world.channel("sky", "bluesky")
    world.pub.set_require_alt(world.workspace.id, True)
    with pytest.raises(ValidationError, match="image 2 has no alt text"):
        compose.new_post(
            world.pub,
            classes,
            world.workspace.id,
            "Bilder",
            ["sky"],
            images=[NewImage(image_bytes(), "Logo"), NewImage(image_bytes())],
            at=LATER,
        )
    [post] = world.pub.list_posts(world.workspace.id)
    assert post.status == "draft"
    world.pub.set_media_alt(
        world.workspace.id, post.id, post.media[1].id, "Logo, klein", at=post.updated_at
    )
    assert (
        compose.schedule(world.pub, classes, world.workspace.id, post.id, LATER).post.status
        == "scheduled"
    )
    # A later image without alt text sends the scheduled post back to draft.
    with pytest.raises(ValidationError, match="image 3 has no alt text"):
        compose.attach_media(world.pub, classes, world.workspace.id, post.id, image_bytes("GIF"))
    assert world.pub.get_post(world.workspace.id, post.id).status == "draft"
    world.pub.set_require_alt(world.workspace.id, False)
    assert not world.pub.require_alt(world.workspace.id)


def test_migration_0013_up_down_up(store_url: str) -> None:
    import sqlalchemy as sa

    from resonanz.store.engine import create_engine, normalise_url
    from tests.migration_steps import add_draft_post, run_alembic

    assert "post_media" not in run_alembic(store_url, "upgrade", "0012")
    engine = create_engine(normalise_url(store_url))
    try:
        add_draft_post(engine)
        assert {"post_media", "publish_settings"} <= run_alembic(store_url, "upgrade", "0013")
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT text, thread, poll FROM posts")).one()
        assert tuple(row) == ("Hallo", None, None)
        assert "post_media" not in run_alembic(store_url, "downgrade", "0012")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT text FROM posts")).scalar_one() == "Hallo"
        assert "post_media" in run_alembic(store_url, "upgrade", "0013")
    finally:
        engine.dispose()


def test_editing_thread_and_poll(world: World, classes: dict[str, type]) -> None:
    world.channel("masto")
    post = compose.new_post(
        world.pub, classes, world.workspace.id, "Frage", ["masto"], thread=["zwei"], at=LATER
    ).post
    edited = compose.edit_post(
        world.pub,
        classes,
        world.workspace.id,
        post.id,
        "Frage?",
        extras=(["zwei", " drei "], Poll(("Ja", "Nein"), 60)),
    )
    assert edited.thread == ("zwei", "drei") and edited.poll == Poll(("Ja", "Nein"), 60)
    assert edited.version == post.version + 1 and edited.status == "scheduled"
    kept = compose.edit_post(world.pub, classes, world.workspace.id, post.id, "Frage!")
    assert kept.thread == ("zwei", "drei") and kept.poll is not None  # None keeps them
    with pytest.raises(ValidationError, match=r"poll option 2 .* the limit is 50"):
        compose.edit_post(
            world.pub,
            classes,
            world.workspace.id,
            post.id,
            "Frage!",
            extras=((), Poll(("Ja", "N" * 51))),
        )
    stored = world.pub.get_post(world.workspace.id, post.id)
    assert stored.status == "draft" and stored.thread == () and stored.poll is not None
