"""CLI for accounts and evidence: `users create`, `citations scan`."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from forum.extensions import db
from forum.models.accounts import ROLES

users_cli = AppGroup("users", help="Moderator and admin accounts.")
citations_cli = AppGroup("citations", help="Citations found in posts.")


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


@citations_cli.command("scan")
@click.option("--batch-size", default=2000, show_default=True)
def citations_scan(batch_size: int):
    """Scan every post for DOIs, PMIDs, PMCIDs, arXiv ids and PubMed links."""
    from forum.models import Post
    from forum.services.citations import suggest_citations

    ids = list(db.session.scalars(select(Post.id).where(Post.is_ghost.is_(False))
                                  .order_by(Post.id)))
    added = 0
    with click.progressbar(length=len(ids), label="scanning") as bar:
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            added += suggest_citations(db.session, chunk)
            db.session.commit()
            bar.update(len(chunk))
    click.echo(f"{len(ids)} posts scanned, {added} new suggested citations")
