"""`flask db upgrade`: the schema and the data repairs a version brings."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from forum.extensions import db

db_cli = AppGroup("db", help="Database schema.")


@db_cli.command("upgrade")
def db_upgrade():
    """Create or migrate the schema to the newest revision (Alembic), then
    make the data-only repairs a new version brings (services.repairs)."""
    from forum.migrate import upgrade
    from forum.services.evidence import seed_label_kinds
    from forum.services.repairs import repair_google_times

    upgrade()
    added = seed_label_kinds(db.session)
    repaired = repair_google_times(db.session)
    db.session.commit()
    click.echo("database is up to date"
               + (f"; {added} evidence label kinds seeded" if added else "")
               + (f"; the dates of {repaired.posts} Google Groups posts read "
                  "again as US Pacific time" if repaired.posts else ""))
