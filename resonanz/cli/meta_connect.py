"""`resonanz channels connect facebook|instagram NAME`: Facebook Login for a Page or an
Instagram professional account (resonanz.publishing.meta_connect). No token is printed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import typer

from resonanz.cli.context import AppContext
from resonanz.publishing.channels.facebook import API
from resonanz.publishing.meta_connect import begin, choose, connect_page, pages, user_token
from resonanz.publishing.oauth import OAuthApp, code_from


def connect_meta(
    app_ctx: AppContext,
    pub: Any,
    classes: Mapping[str, type],
    kind: str,
    name: str,
    app: OAuthApp,
    *,
    api: str | None,
    page: str | None,
) -> None:
    """Print the Login dialog URL, take the redirect back, store the chosen Page."""
    base = (api or API).rstrip("/")
    started = begin(kind, app)
    app_ctx.console.print("Open this URL, allow access, then paste where you were sent back:")
    app_ctx.console.print(started.url, soft_wrap=True, markup=False)
    answer = typer.prompt("Redirect URL or code")
    token = user_token(app_ctx.settings, app, code_from(answer, started.state), api=base)
    granted = pages(app_ctx.settings, token, api=base)
    chosen = choose(granted, kind, page)
    channel = connect_page(
        pub, app_ctx.settings, classes, app_ctx.workspace().id, kind, name, chosen, api=base
    )
    app_ctx.console.print(
        f"Channel '{channel.name}' ({channel.kind}) connected as "
        f"{channel.config.get('account')} (Page {chosen.id}); its Page token does not expire."
    )
