"""`resonanz user ...`, `resonanz member ...` and `resonanz serve`: accounts and the web app.

The CLI acts as the server's operator: it needs no login.
"""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from resonanz.accounts import ROLES, has_role
from resonanz.cli.context import AppContext, obj
from resonanz.errors import NotFoundError, ValidationError


def _password(prompt: str, from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


def _user_id(app_ctx: AppContext, email: str) -> int:
    user = app_ctx.store.accounts.find_user(email)
    if user is None:
        raise NotFoundError(f"no user with the e-mail address {email}")
    return user.id


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""
    users = typer.Typer(
        help="Web app users (log in with e-mail and password).", no_args_is_help=True
    )
    members = typer.Typer(help="Who may do what in a workspace.", no_args_is_help=True)
    app.add_typer(users, name="user")
    app.add_typer(members, name="member")

    @users.command("add")
    def user_add(
        ctx: typer.Context,
        email: str = typer.Argument(..., help="E-mail address (the login)."),
        name: str = typer.Option("", "--name", help="Display name (default: the address)."),
        admin: bool = typer.Option(False, "--admin", help="Server administrator."),
        password_stdin: bool = typer.Option(
            False, "--password-stdin", help="Read the password from standard input."
        ),
    ) -> None:
        """Create a user; asks for the password (or reads it from standard input)."""
        from resonanz.web.security import hash_password

        app_ctx = obj(ctx)
        password_hash = hash_password(_password("Password", password_stdin))
        user = app_ctx.store.accounts.create_user(
            email, name or email, password_hash, is_admin=admin
        )
        app_ctx.console.print(f"User {user.email} created.")

    @users.command("passwd")
    def user_passwd(
        ctx: typer.Context,
        email: str = typer.Argument(..., help="E-mail address of the user."),
        password_stdin: bool = typer.Option(
            False, "--password-stdin", help="Read the password from standard input."
        ),
    ) -> None:
        """Set a user's password (ends their sessions)."""
        from resonanz.web.security import hash_password

        app_ctx = obj(ctx)
        user_id = _user_id(app_ctx, email)
        password_hash = hash_password(_password("New password", password_stdin))
        app_ctx.store.accounts.update_user(user_id, password_hash=password_hash)
        app_ctx.console.print(f"Password of {email} changed.")

    @users.command("list")
    def user_list(ctx: typer.Context) -> None:
        """List users."""
        app_ctx = obj(ctx)
        table = Table("e-mail", "name", "admin", "created")
        for user in app_ctx.store.accounts.list_users():
            table.add_row(
                user.email,
                user.name,
                "yes" if user.is_admin else "",
                user.created_at.strftime("%Y-%m-%d"),
            )
        app_ctx.console.print(table)

    @members.command("add")
    def member_add(
        ctx: typer.Context,
        email: str = typer.Argument(..., help="E-mail address of an existing user."),
        role: str = typer.Argument(..., help=f"One of: {', '.join(ROLES)}."),
        approver: bool = typer.Option(False, "--approver", help="May approve posts."),
    ) -> None:
        """Give a user a role in the workspace (--workspace), or change it."""
        app_ctx = obj(ctx)
        workspace = app_ctx.workspace()
        if role not in ROLES:
            raise ValidationError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})")
        app_ctx.store.accounts.add_member(
            workspace.id, _user_id(app_ctx, email), role, approver=approver
        )
        app_ctx.console.print(f"{email} is {role} in workspace '{workspace.slug}'.")

    @members.command("remove")
    def member_remove(
        ctx: typer.Context, email: str = typer.Argument(..., help="E-mail address.")
    ) -> None:
        """Take a user out of the workspace (--workspace)."""
        app_ctx = obj(ctx)
        workspace = app_ctx.workspace()
        app_ctx.store.accounts.remove_member(workspace.id, _user_id(app_ctx, email))
        app_ctx.console.print(f"{email} removed from workspace '{workspace.slug}'.")

    @members.command("list")
    def member_list(ctx: typer.Context) -> None:
        """List the members of the workspace (--workspace) with their roles."""
        app_ctx = obj(ctx)
        workspace = app_ctx.workspace()
        table = Table("e-mail", "name", "role", "approver")
        for user, membership in app_ctx.store.accounts.members(workspace.id):
            table.add_row(
                user.email,
                user.name,
                membership.role,
                "yes" if membership.approver or has_role(membership.role, "owner") else "",
            )
        app_ctx.console.print(table)

    @app.command("serve")
    def serve(
        ctx: typer.Context,
        host: str | None = typer.Option(None, "--host", help="Address to listen on."),
        port: int | None = typer.Option(None, "--port", help="Port to listen on."),
    ) -> None:
        """Run the web dashboard and REST API (Ctrl-C stops)."""
        app_ctx = obj(ctx)
        run_server(app_ctx, host, port)


def run_server(app_ctx: AppContext, host: str | None, port: int | None) -> None:
    """Serve the web app on the context's store until interrupted."""
    import uvicorn

    from resonanz.web import create_app

    settings = app_ctx.settings
    host = host or settings.web_host
    port = port or settings.web_port
    if host in ("127.0.0.1", "localhost", "::1") and "cookie_secure" not in _explicit(app_ctx):
        from dataclasses import replace

        settings = replace(settings, cookie_secure=False)
    web_app = create_app(settings, app_ctx.store)
    app_ctx.console.print(f"Resonanz web app on http://{host}:{port}/ (Ctrl-C stops)")
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


def _explicit(app_ctx: AppContext) -> set[str]:
    """Settings the user gave explicitly (flag, environment or config file)."""
    import os

    given = {name for name, value in app_ctx.flags.items() if value is not None}
    given |= {k[len("RESONANZ_") :].lower() for k in os.environ if k.startswith("RESONANZ_")}
    return given
