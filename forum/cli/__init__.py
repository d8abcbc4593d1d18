"""Thin click commands, one module per command group: parse options, call
the import runner or a service, commit, print (`flask --app forum --help`)."""

from __future__ import annotations

import functools
import sys

import click
from flask import Flask
from flask.cli import ScriptInfo


def register_cli(app: Flask) -> None:
    """Attach every command group to the app.

    Every command but `db` first checks that the schema is current.
    """
    from forum.cli.accounts import users_cli
    from forum.cli.citations import citations_cli
    from forum.cli.db import db_cli
    from forum.cli.evidence import evidence_cli
    from forum.cli.export import export_cli
    from forum.cli.imports import import_command, imports_cli
    from forum.cli.nntp import nntp_cli
    from forum.cli.search import search_cli

    app.cli.add_command(db_cli)
    for command in (import_command, imports_cli, search_cli, users_cli,
                    citations_cli, evidence_cli, nntp_cli, export_cli):
        _needs_current_schema(command)
        app.cli.add_command(command)


def _needs_current_schema(command: click.Command) -> None:
    """Wrap the command (each of a group's) to refuse, in one line, to run
    against a database behind this version's migrations."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _needs_current_schema(sub)
        return
    callback = command.callback
    if callback is None or getattr(callback, "checks_schema", False):
        return

    @functools.wraps(callback)
    def checked(*args, **kwargs):
        app = click.get_current_context().ensure_object(ScriptInfo).load_app()
        state = app.extensions.get("forum_schema")
        if state is not None and not state.current:
            click.echo(f"error: {state.explain()}", err=True)
            sys.exit(2)
        return callback(*args, **kwargs)

    checked.__dict__["checks_schema"] = True
    command.callback = checked
