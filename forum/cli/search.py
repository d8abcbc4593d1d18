"""`flask search`: rebuild, verify, optimize and query the full-text index."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from forum.cli.progress import Progress
from forum.extensions import db, write_intent

search_cli = AppGroup("search", help="The full-text index.")


@search_cli.command("rebuild")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def search_rebuild(quiet):
    """Index every visible post again (searches use the old index until done)."""
    from forum.search import get_index
    from forum.services.search import rebuild_index

    bar = Progress("indexed", quiet=quiet)
    with write_intent():
        count = rebuild_index(db.session, progress=bar.update)
    bar.finish()
    index = get_index().describe()
    click.echo(f"indexed {count:,} posts with {index['backend']} in "
               f"{bar.elapsed():.1f}s ({index['location']})")


@search_cli.command("verify")
@click.option("--fix", is_flag=True, help="Re-index what is missing or stale.")
def search_verify(fix):
    """Report posts missing from, stale in, or extra in the index."""
    from forum.services.search import verify_index

    with write_intent():
        report = verify_index(db.session, fix=fix)
    click.echo(f"missing {len(report.missing)}, stale {len(report.stale)}, "
               f"extra {len(report.extra)}, queued {report.pending}"
               + (" (fixed)" if report.fixed else ""))
    for name in ("missing", "stale", "extra"):
        ids = getattr(report, name)
        if ids:
            click.echo(f"  {name}: {' '.join(map(str, ids[:20]))}"
                       + (" ..." if len(ids) > 20 else ""))
    if report.drift and not fix:
        sys.exit(1)


@search_cli.command("optimize")
@click.option("--rum", is_flag=True,
              help="postgres backend: move to a RUM index (needs the rum extension; "
                   "faster ranking, much slower writes).")
def search_optimize(rum):
    """Merge the index's segments (faster searches); run when the site is quiet."""
    from forum.search import (
        RumExtensionMissing,
        RumNeedsPostgres,
        get_index,
        move_to_rum,
    )

    index = get_index()
    try:
        move_to_rum(index) if rum else index.optimize()
    except RumNeedsPostgres as error:
        raise click.UsageError(str(error)) from None
    except (RumExtensionMissing, RuntimeError) as error:  # or a writer stayed busy
        raise click.ClickException(str(error)) from None
    click.echo(f"index optimized ({index.describe()['location']})")


@search_cli.command("query")
@click.argument("words", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--sort", default="relevance", show_default=True,
              type=click.Choice(["relevance", "date", "oldest"]))
def search_query(words, as_json, limit, sort):
    """Search the archive from the shell: date, group, author, subject, permalink.

    Exit status 1 when nothing matched, 2 when the query can't be understood.
    """
    from forum.errors import ForumError
    from forum.services.search import search_posts

    try:
        page = search_posts(db.session, " ".join(words), sort=sort, per_page=limit,
                            facets=False)
    except ForumError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    print_hits(page, as_json)
    if not page.posts:
        sys.exit(1)


def print_hits(page, as_json: bool) -> None:
    """One line per hit (date, group, author, subject, permalink), or JSON."""
    from forum.services.search import post_group_names

    groups = post_group_names(db.session, [post.id for post in page.posts])
    for post in page.posts:
        hit = _hit(post, sorted(groups.get(post.id, [])))
        if as_json:
            click.echo(json.dumps(hit, ensure_ascii=False))
        else:
            click.echo("  ".join([hit["date"] or "????-??-??", ",".join(hit["groups"]),
                                  hit["author"], hit["subject"], hit["permalink"]]))
    if not as_json:
        shown = len(page.posts)
        click.echo(f"{shown} of {page.total:,} matching posts", err=True)


def _hit(post, groups: list[str]) -> dict:
    from forum.text.masking import mask_addresses

    author = post.byline or "Unknown"
    return {
        "id": post.id,
        "date": post.date.strftime("%Y-%m-%d %H:%M") if post.date else None,
        "groups": groups,
        "author": mask_addresses(author),
        "subject": mask_addresses(post.subject or "(no subject)"),
        "permalink": _permalink(post),
    }


def _permalink(post) -> str:
    from flask import url_for

    try:
        return url_for("archive.post", permalink=post.permalink, _external=True)
    except RuntimeError:  # no server name configured: the path alone
        return f"/p/{post.permalink}/"
