"""`flask evidence load`: labels and citations from a file."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from forum.extensions import db

evidence_cli = AppGroup("evidence", help="Labels and citations from files.")


@evidence_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def evidence_load(path: str):
    """Label posts from an evidence file, as its moderator, through the services.

    The file names the moderator account; it is made (with a random password
    an admin can reset) when missing.  Loading the same file again changes
    nothing; a changed rationale or verdict revises the label.
    """
    import secrets

    from forum.models import User
    from forum.services.accounts import create_user
    from forum.services.evidence_file import load_evidence

    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        name = str(data["moderator"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise click.ClickException(
            f"{path} is not a readable evidence file: {error}") from None
    actor = db.session.scalar(select(User).where(User.name == name))
    if actor is None:
        actor = create_user(db.session, name, secrets.token_urlsafe(24), "moderator")
    report = load_evidence(db.session, actor, data,
                           current_app.extensions["forum_claim_settings"])
    db.session.commit()
    click.echo(f"labels: {report.labels_added} added, {report.labels_revised} "
               f"revised, {report.labels_unchanged} unchanged; references: "
               f"{report.citations_attached} attached, {report.citations_unchanged} "
               f"unchanged; {report.proposals} same-claim proposals for the "
               f"review queue; {len(report.problems)} problems")
    for problem in report.problems:
        click.echo(f"  problem: {problem}")
