"""`flask users create`: moderator and admin accounts."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from forum.extensions import db
from forum.models.accounts import ROLES

users_cli = AppGroup("users", help="Moderator and admin accounts.")


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="moderator",
              show_default=True)
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input instead of a prompt.")
def users_create(name: str, role: str, password_stdin: bool):
    """Create an account; the password is prompted for (or read from stdin)."""
    from forum.errors import ForumError
    from forum.services.accounts import create_user

    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True,
                                confirmation_prompt=True)
    try:
        user = create_user(db.session, name, password, role)
    except ForumError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"created {user.role} {user.name!r}")
