"""`flask export mbox`: the web's mbox downloads, written to a file from the shell.

An operator moving a group to another archive, or keeping a copy, should not
have to hold a browser open for a 100,000-post download; the file is the same
one the web serves (hidden posts left out, redactions applied, addresses
masked), written as it is read, with a progress line.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext

import click
from flask.cli import AppGroup
from sqlalchemy import func

from forum.cli.progress import Progress
from forum.errors import ForumError
from forum.extensions import db

export_cli = AppGroup("export", help="Write the archive's posts to files.")


@export_cli.command("mbox")
@click.option("--group", "group_name", help="Every visible post of this group.")
@click.option("--month", help="Only this month of the group: YYYY-MM.")
@click.option("--thread", "thread_id", type=int, help="Every visible post of a thread.")
@click.option("--search", "query", help="The matches of a search (as on /search/mbox).")
@click.option("-o", "--output", default="-", show_default=True,
              type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              help="The file to write; - for standard output.")
@click.option("--gzip", "packed", is_flag=True, help="Compress it (gzip).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def export_mbox(group_name, month, thread_id, query, output, packed, quiet):
    """Write a group, a month of a group, a thread or a search as mboxrd.

    Exit status 2 when what was asked for is not in the archive.
    """
    from forum.services import mbox_export

    try:
        posts = _chosen_posts(group_name, month, thread_id, query)
    except (ForumError, ValueError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    total = db.session.scalar(posts.with_only_columns(func.count()).order_by(None))
    bar = Progress("exported", total=total, quiet=quiet)
    messages = _counted(mbox_export.export_mbox(db.engine, posts), bar)
    chunks = mbox_export.gzip_chunks(messages) if packed else messages
    with _opened(output) as out:
        for chunk in chunks:
            out.write(chunk)
    bar.finish()
    if output != "-":
        click.echo(f"{bar.done:,} messages written to {output}", err=True)


def _chosen_posts(group_name, month, thread_id, query):
    from forum.services import archive, mbox_export
    from forum.services.search import matching_post_ids

    if month and not group_name:
        raise ValueError("--month goes with --group")
    chosen = [bool(group_name), thread_id is not None, bool(query)]
    if sum(chosen) != 1:
        raise ValueError("say what to export: one of --group, --thread or --search")
    if group_name:
        group = archive.get_group(group_name)
        if not month:
            return mbox_export.group_posts(group)
        year, _dash, number = month.partition("-")
        if not (year.isdigit() and number.isdigit()):
            raise ValueError(f"--month {month!r}: write it as YYYY-MM")
        return mbox_export.group_posts(group, int(year), int(number))
    if thread_id is not None:
        return mbox_export.thread_posts(archive.get_thread(thread_id))
    ids, _total = matching_post_ids(query)
    return mbox_export.posts_by_id(ids)


def _counted(messages, bar: Progress):
    for message in messages:
        bar.advance()
        yield message


def _opened(output: str):
    if output == "-":
        return nullcontext(sys.stdout.buffer)
    return open(output, "wb")  # noqa: SIM115 - closed by the caller's with
