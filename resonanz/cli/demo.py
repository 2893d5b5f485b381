"""`resonanz demo`: a demo workspace on the bundled sample, end to end."""

from __future__ import annotations

import secrets
from contextlib import suppress
from dataclasses import replace
from itertools import islice
from pathlib import Path

import typer
from rich.rule import Rule
from rich.table import Table

from resonanz.analytics.terms import top_terms
from resonanz.cli.collecting import print_report, run_with_progress
from resonanz.cli.context import AppContext, obj
from resonanz.cli.reading import print_stats
from resonanz.cli.render import mention_line
from resonanz.cli.users import run_server
from resonanz.demo import (
    DEMO_NAME,
    DEMO_TOPICS,
    DEMO_WORKSPACE,
    LABELLED_SHARE,
    SampleParts,
    sample_labels,
    write_sample_parts,
)
from resonanz.errors import NotFoundError
from resonanz.store import MentionFilter, display_url

_EXAMPLES_PER_TOPIC = 2
DEMO_LOGIN = "demo@example.org"


def _import(app_ctx: AppContext, workspace_id: int, name: str, path: Path) -> None:
    """Add a file source for ``path`` and import it with a progress bar."""
    config = app_ctx.runtime.source_class("file").validate_config(
        {"path": str(path), "format": "germeval"}, app_ctx.settings
    )
    source = app_ctx.store.add_source(workspace_id, "file", name, config)
    print_report(app_ctx, run_with_progress(app_ctx, source))


def _train(app_ctx: AppContext, workspace_id: int, parts: SampleParts) -> None:
    """Store the labelled part's gold labels as the workspace's training examples, train
    its three classifiers and print their cross-validated quality."""
    from resonanz.workspace_models import TASKS, train_workspace_model

    store = app_ctx.store
    table = Table("task", "labelled", "model", "cross-validated micro-F1", title="Trained")
    for task, examples in sample_labels(parts.labelled).items():
        store.training.add_examples(workspace_id, task, examples, source="csv")
    for task in TASKS:
        with app_ctx.console.status(f"Training the {task} classifier …"):
            classifier, info = train_workspace_model(
                store, workspace_id, task, categories_setting=app_ctx.settings.aspect_categories
            )
        quality = classifier.quality
        figure = f"{float(quality['micro_f1']):.3f}"
        if task == "aspects":
            figure += f" (with polarity {float(quality['polarity_micro_f1']):.3f})"
        table.add_row(task, str(info.n_examples), info.name, figure)
    app_ctx.console.print(table)


def register(app: typer.Typer) -> None:
    """Add the commands of this module."""

    @app.command("demo")
    def demo(
        ctx: typer.Context,
        serve: bool = typer.Option(
            True, "--serve/--no-serve", help="Serve the web dashboard afterwards (Ctrl-C stops)."
        ),
    ) -> None:
        """Build the demo workspace from the bundled sample, print a summary, serve the web app.

        The sample's first 60 % is imported and its labels train the workspace's own
        sentiment, relevance and aspect classifiers, which then label the rest.

        Uses its own database file (demo.db in the data dir) unless --database-url is given.
        A demo login (owner of the demo workspace) with a fresh random password is printed.
        """
        app_ctx = obj(ctx)
        if not app_ctx.flags.get("database_url"):
            data_dir = Path(app_ctx.settings.resolved_data_dir())
            data_dir.mkdir(parents=True, exist_ok=True)
            db = data_dir / "demo.db"
            for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                leftover.unlink(missing_ok=True)
            app_ctx.flags["database_url"] = f"sqlite:///{db}"
            app_ctx._settings = None
        # The demo brand is a railway: the shipped aspect template fits it.
        app_ctx._settings = replace(app_ctx.settings, aspect_analysis=True)
        console = app_ctx.console
        store = app_ctx.store
        with suppress(NotFoundError):
            store.delete_workspace(DEMO_WORKSPACE)
        ws = store.create_workspace(DEMO_WORKSPACE, DEMO_NAME)
        console.print(Rule(f"Resonanz demo: {DEMO_NAME}"))
        console.print(f"Store: {display_url(store.url)}")
        for topic in DEMO_TOPICS:
            store.add_topic(ws.id, topic.name, topic.query, topic.kind)
            console.print(f"  topic [bold]{topic.name}[/bold] ({topic.kind}): {topic.query}")
        parts = write_sample_parts(Path(app_ctx.settings.resolved_data_dir()) / "demo")
        console.print(
            "Importing the bundled GermEval 2017 sample (CC BY-NC 4.0, see "
            f"resonanz/data/demo/README.md): first the {LABELLED_SHARE:.0%} the team labelled …"
        )
        _import(app_ctx, ws.id, "GermEval 2017 sample, labelled part", parts.labelled)
        console.print(Rule("The workspace's own classifiers, trained on those labels"))
        _train(app_ctx, ws.id, parts)
        console.print("… then the rest, labelled by the workspace's classifiers:")
        _import(app_ctx, ws.id, "GermEval 2017 sample, later part", parts.later)
        console.print(Rule("What was found"))
        flt = MentionFilter()
        print_stats(
            console,
            {
                "workspace": ws.slug,
                "mentions": store.count_mentions(ws.id),
                "by_topic": store.count_by(ws.id, "topic", flt),
                "by_platform": store.count_by(ws.id, "platform", flt),
                "by_lang": store.count_by(ws.id, "lang", flt),
                "by_day": [],
                "top_terms": top_terms(store, ws.id, flt, limit=15),
            },
        )
        console.print(Rule("Example mentions"))
        for stored in store.list_topics(ws.id):
            console.print(f"[bold]{stored.name}[/bold]")
            found = store.iter_mentions(ws.id, MentionFilter(topic_id=stored.id))
            for mention in islice(found, _EXAMPLES_PER_TOPIC):
                terms = next((m.terms for m in mention.matches if m.topic_id == stored.id), ())
                console.print(mention_line(mention, terms))
        db_flag = f"--database-url {display_url(store.url)}"
        console.print(Rule("Next"))
        console.print(f"Search:  resonanz {db_flag} -w demo search 'verspätung* AND NOT flixbus'")
        console.print(f"Test:    resonanz {db_flag} -w demo topic test '\"zu spät\" NEAR/5 ice'")
        console.print(f"Counts:  resonanz {db_flag} -w demo stats")
        # The web app is imported here, not at the top: every resonanz command loads this
        # module, and importing resonanz.web takes seconds.
        from resonanz.web.security import hash_password

        password = secrets.token_urlsafe(12)
        accounts = store.accounts
        user = accounts.find_user(DEMO_LOGIN)
        if user is None:
            user = accounts.create_user(DEMO_LOGIN, "Demo", hash_password(password))
        else:
            user = accounts.update_user(user.id, password_hash=hash_password(password))
        accounts.add_member(ws.id, user.id, "owner", approver=True)
        settings = app_ctx.settings
        console.print(Rule("Web dashboard"))
        console.print(f"Open:     http://{settings.web_host}:{settings.web_port}/w/{ws.slug}")
        console.print(f"Login:    {DEMO_LOGIN}")
        console.print(f"Password: {password}   (new on every `make demo`)")
        if serve:
            run_server(app_ctx, None, None)
