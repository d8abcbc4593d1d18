"""`flask citations`: scan posts for citations, match and load their details."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from forum.cli.progress import Progress
from forum.extensions import db

citations_cli = AppGroup("citations", help="Citations found in posts.")


@citations_cli.command("scan")
@click.option("--batch-size", default=2000, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def citations_scan(batch_size: int, quiet: bool):
    """Scan every post for DOIs, PMIDs, PMCIDs, arXiv ids and PubMed links,
    and for references written out as text."""
    from forum.models import Post
    from forum.services.citation_scan import suggest_citations
    from forum.services.references import record_references

    ids = list(db.session.scalars(select(Post.id).where(Post.is_ghost.is_(False))
                                  .order_by(Post.id)))
    added = references = 0
    bar = Progress("scanned", total=len(ids), quiet=quiet)
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        added += suggest_citations(db.session, chunk)
        references += record_references(db.session, chunk)
        db.session.commit()
        bar.advance(len(chunk))
    bar.finish()
    click.echo(f"{len(ids)} posts scanned, {added} new suggested citations, "
               f"{references} references written as text")


@citations_cli.command("match")
@click.option("--limit", default=100, show_default=True)
def citations_match(limit: int):
    """Ask NCBI's citation matcher and Crossref which paper each reference written
    as text names (lookups must be on); moderators confirm the candidates."""
    from forum.citations.lookup import LookupFailed
    from forum.citations.matching import matcher_from_config
    from forum.services.lookup_cache import DatabaseCache
    from forum.services.references import match_references

    matcher = matcher_from_config(current_app.config, DatabaseCache(lambda: db.session))
    if matcher is None:
        raise click.ClickException(
            "Metadata lookups are off: set FORUM_CITATION_LOOKUP=1 and "
            "FORUM_NCBI_EMAIL to match references.")
    try:
        matched = match_references(db.session, matcher, limit)
    except LookupFailed as error:
        db.session.rollback()
        raise click.ClickException(f"The lookup failed: {error}") from None
    db.session.commit()
    click.echo(f"{matched} references have candidates for a moderator to confirm")


@citations_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def citations_load(path: str):
    """Load papers' details from a CSL-JSON file into the lookup cache.

    Records of the same works, now or later, show the details without any
    network lookup.  Loading the same file again changes nothing.
    """

    from forum.services.citation_file import load_items

    try:
        with open(path, encoding="utf-8") as handle:
            items = json.load(handle)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise click.ClickException(
            f"{path} is not a readable CSL-JSON file: {error}") from None
    report = load_items(db.session, None, items)
    db.session.commit()
    click.echo(f"{report.read} items read: {report.stored} stored, "
               f"{report.unchanged} unchanged, {len(report.problems)} left out; "
               f"{report.records_filled} citation records filled")
    for problem in report.problems:
        click.echo(f"  left out: {problem}")
