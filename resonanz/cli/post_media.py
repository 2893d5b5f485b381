"""The images, thread parts and poll of `resonanz post new`, and the commands
`post image add|remove|alt` and `post alt-text` (whether alt text is required)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from resonanz.cli.context import obj
from resonanz.errors import ValidationError
from resonanz.publishing.media import MAX_IMAGE_BYTES
from resonanz.publishing.models import Poll, Post


def read_image(path: Path, what: str) -> bytes:
    """The file's bytes (at most one byte more than any channel takes, so a huge file is
    refused without reading it all); ValidationError naming the file when unreadable."""
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise ValidationError(f"{what} ({path}) cannot be read: {exc.strerror or exc}") from exc


def new_images(paths: list[Path], alts: list[str]) -> list[Any]:
    """--image PATH and --alt TEXT, paired in order (the n-th --alt belongs to the n-th
    --image; --alt "" skips one)."""
    from resonanz.publishing.compose import NewImage

    if len(alts) > len(paths):
        raise ValidationError(
            f"{len(alts)} --alt texts for {len(paths)} --image files; each --alt belongs "
            "to the --image before it"
        )
    return [
        NewImage(read_image(path, f"image {n}"), alts[n - 1] if n <= len(alts) else "")
        for n, path in enumerate(paths, 1)
    ]


def new_poll(options: list[str], minutes: int | None, multiple: bool) -> Poll | None:
    if not options:
        if minutes is not None or multiple:
            raise ValidationError("--poll-minutes and --poll-multiple need --poll OPTION")
        return None
    return Poll(options=tuple(options), minutes=minutes or 1440, multiple=multiple)


def edited_extras(
    post: Post,
    thread: list[str],
    no_thread: bool,
    poll: tuple[list[str], int | None, bool],
    no_poll: bool,
) -> tuple[tuple[str, ...], Poll | None] | None:
    """The thread parts and poll `post edit` asks for (None: both stay as they are)."""
    if thread and no_thread:
        raise ValidationError("--thread and --no-thread contradict each other")
    if poll[0] and no_poll:
        raise ValidationError("--poll and --no-poll contradict each other")
    new_poll_asked = new_poll(*poll)
    if not (thread or no_thread or new_poll_asked or no_poll):
        return None
    parts = () if no_thread else tuple(thread) if thread else post.thread
    chosen = None if no_poll else new_poll_asked or post.poll
    return parts, chosen


def extras_line(post: Post) -> str:
    """What besides text the post carries, for `post list` (a line each)."""
    said = []
    if post.media:
        alts = sum(1 for item in post.media if item.alt)
        said.append(f"{len(post.media)} image(s), {alts} with alt text")
    if post.thread:
        said.append(f"thread of {len(post.thread) + 1} parts")
    if post.poll is not None:
        kind = "several answers" if post.poll.multiple else "one answer"
        said.append(f"poll: {' / '.join(post.poll.options)} ({post.poll.minutes} min, {kind})")
    return "\n".join(said)


def register_media(post: typer.Typer) -> None:
    """Add `post image ...` and `post alt-text` to the post command group."""
    image = typer.Typer(help="The images of a post.")
    post.add_typer(image, name="image", no_args_is_help=True)

    @image.command("add")
    def image_add(
        ctx: typer.Context,
        post_id: int = typer.Argument(..., help="The post's id."),
        path: Path = typer.Argument(..., help="A JPEG, PNG, GIF or WebP file."),
        alt: str = typer.Option("", "--alt", help="The image's alt text (description)."),
    ) -> None:
        """Attach an image; a bad file stores nothing."""
        from resonanz.cli.publishing import publishing
        from resonanz.publishing.compose import attach_media

        app_ctx = obj(ctx)
        pub, classes = publishing(app_ctx)
        data = read_image(path, "the image")
        done = attach_media(pub, classes, app_ctx.workspace().id, post_id, data, alt)
        item = done.media[-1]
        app_ctx.console.print(
            f"Image {item.id} ({item.mime}, {item.size:,} bytes, {item.width}x{item.height}) "
            f"added to post {post_id}."
        )

    @image.command("remove")
    def image_remove(
        ctx: typer.Context,
        post_id: int = typer.Argument(..., help="The post's id."),
        media_id: int = typer.Argument(..., help="The image's id (post list --images)."),
    ) -> None:
        """Remove an image from a post."""
        from resonanz.cli.publishing import publishing
        from resonanz.publishing.compose import remove_media

        app_ctx = obj(ctx)
        pub, classes = publishing(app_ctx)
        remove_media(pub, classes, app_ctx.workspace().id, post_id, media_id)
        app_ctx.console.print(f"Image {media_id} removed from post {post_id}.")

    @post.command("alt-text")
    def alt_text(
        ctx: typer.Context,
        require: bool | None = typer.Option(
            None,
            "--require/--no-require",
            help="Whether every image of a post needs alt text before it is scheduled.",
        ),
    ) -> None:
        """Show or set whether alt text is required for the workspace's images."""
        from resonanz.cli.publishing import publishing

        app_ctx = obj(ctx)
        pub, _ = publishing(app_ctx)
        ws = app_ctx.workspace().id
        if require is not None:
            pub.set_require_alt(ws, require)
        state = "required" if pub.require_alt(ws) else "not required"
        app_ctx.console.print(f"Alt text for images: {state}.")


def now() -> datetime:
    return datetime.now(UTC)
