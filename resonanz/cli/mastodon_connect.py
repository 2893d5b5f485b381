"""`resonanz channels connect mastodon NAME --instance URL`: OAuth on the instance, with
Resonanz registered there as an app (resonanz.publishing.mastodon_connect). No token is
printed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import typer

from resonanz.cli.context import AppContext
from resonanz.errors import ConfigError
from resonanz.publishing.mastodon_connect import OOB, app_for, begin, finish, instance_url
from resonanz.publishing.oauth import code_from


def connect_mastodon(
    app_ctx: AppContext,
    pub: Any,
    classes: Mapping[str, type],
    name: str,
    *,
    instance: str | None,
    redirect_uri: str | None,
    visibility: str | None,
) -> None:
    """Print the instance's authorize URL, take the code (or the redirect back), store
    the channel."""
    if not instance:
        raise ConfigError("--instance is needed, e.g. https://mastodon.social")
    settings = app_ctx.settings
    workspace_id = app_ctx.workspace().id
    base = instance_url(instance, settings)
    redirect = redirect_uri or OOB
    app = app_for(pub, settings, workspace_id, base, redirect)
    started = begin(base, app)
    app_ctx.console.print(
        "Open this URL, allow access, then paste the code shown"
        + (":" if redirect == OOB else " (or where you were sent back):")
    )
    app_ctx.console.print(started.url, soft_wrap=True, markup=False)
    answer = typer.prompt("Code" if redirect == OOB else "Redirect URL or code")
    config: dict[str, Any] = {"instance": base}
    if visibility:
        config["visibility"] = visibility
    channel = finish(
        pub,
        settings,
        classes,
        workspace_id,
        name,
        config,
        app,
        code_from(answer, started.state),
        started.verifier,
    )
    app_ctx.console.print(
        f"Channel '{channel.name}' (mastodon) connected as {channel.config.get('account')}; "
        "Mastodon tokens do not expire."
    )
