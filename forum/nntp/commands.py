"""One command line in, one reply out: the reader commands of RFC 3977.

`Reader` holds what a connection has selected (group, current article) and
dispatches by command name; the retrieval commands (ARTICLE, OVER, HDR...)
live in `forum.nntp.retrieval`.  A reply's data is a generator where it can
be long, so a large OVER is streamed batch by batch rather than held whole.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from forum.nntp import retrieval
from forum.nntp.reply import Reply, clean, text_lines
from forum.nntp.state import ReaderState
from forum.nntp.syntax import parse_range, parse_when, wildmat
from forum.services import nntp_articles as articles
from forum.services.nntp_articles import GroupInfo

GREETING = "201 Archive news server ready, posting prohibited"
OVERVIEW_FORMAT = ["Subject:", "From:", "Date:", "Message-ID:", "References:",
                   ":bytes", ":lines"]
CAPABILITIES = ["VERSION 2", "READER", "HDR",
                "LIST ACTIVE NEWSGROUPS OVERVIEW.FMT HEADERS", "NEWNEWS",
                "OVER MSGID", "IMPLEMENTATION forum archive (read-only)"]


class Reader(ReaderState):
    """A connection's selected group and current article, and its commands."""

    def execute(self, line: str) -> Reply:
        words = line.split()
        if not words:
            return Reply("500 No command given")
        handler = COMMANDS.get(words[0].upper())
        if handler is None:
            return Reply(f"500 Unknown command {clean(words[0])[:40]}")
        return handler(self, words[1:])


Handler = Callable[[Reader, list[str]], Reply]


def capabilities(reader: Reader, args: list[str]) -> Reply:
    return Reply("101 Capability list follows", text_lines(CAPABILITIES))


def mode(reader: Reader, args: list[str]) -> Reply:
    if [a.upper() for a in args] != ["READER"]:
        return Reply("501 Only MODE READER is known")
    return Reply("201 Posting prohibited")


def list_(reader: Reader, args: list[str]) -> Reply:
    keyword = args[0].upper() if args else "ACTIVE"
    if len(args) > 2:
        return Reply("501 Syntax: LIST [keyword [wildmat]]")
    pattern = args[1] if len(args) == 2 else "*"
    if keyword == "ACTIVE":
        return Reply("215 Newsgroups follow", text_lines(
            f"{g.name} {g.high} {g.low} n" for g in _groups(reader, pattern)))
    if keyword == "NEWSGROUPS":
        return Reply("215 Descriptions follow", text_lines(
            f"{g.name}\t{clean(g.description)}" for g in _groups(reader, pattern)))
    if keyword == "OVERVIEW.FMT" and len(args) == 1:
        return Reply("215 Order of fields in overview database",
                     text_lines(OVERVIEW_FORMAT))
    if keyword == "HEADERS":
        return Reply("215 Headers supported", text_lines([":", ":bytes", ":lines"]))
    return Reply("501 Unknown LIST keyword")


def _groups(reader: Reader, pattern: str) -> list[GroupInfo]:
    return [g for g in articles.group_infos(reader.session) if wildmat(pattern, g.name)]


def group(reader: Reader, args: list[str]) -> Reply:
    if len(args) != 1:
        return Reply("501 Syntax: GROUP newsgroup")
    found = articles.find_group(reader.session, args[0])
    if found is None:
        return Reply("411 No such newsgroup")
    reader.select(found)
    return Reply(f"211 {found.count} {found.low} {found.high} {found.name}")


def listgroup(reader: Reader, args: list[str]) -> Reply:
    if len(args) > 2:
        return Reply("501 Syntax: LISTGROUP [newsgroup [range]]")
    found = articles.find_group(reader.session, args[0]) if args else reader.group
    if found is None:
        return Reply("411 No such newsgroup" if args else "412 No newsgroup selected")
    whole = (1, articles.MAX_NUMBER)  # posts imported since GROUP included
    span = parse_range(args[1], whole[1]) if len(args) == 2 else whole
    if span is None:
        return Reply("501 Bad range")
    reader.select(found)
    numbers = articles.article_numbers(reader.session, found.id, *span)
    return Reply(f"211 {found.count} {found.low} {found.high} {found.name}",
                 text_lines(map(str, numbers)))


def step(forward: bool) -> Handler:
    """NEXT and LAST: move the current article within the group."""
    def handler(reader: Reader, args: list[str]) -> Reply:
        if args:
            return Reply("501 No arguments expected")
        if reader.group is None:
            return Reply("412 No newsgroup selected")
        if reader.current is None:
            return Reply("420 No current article selected")
        move = articles.next_number if forward else articles.previous_number
        number = move(reader.session, reader.group.id, reader.current)
        if number is None:
            return Reply("421 No next article" if forward
                         else "422 No previous article")
        reader.current = number
        message_id = articles.message_id_in(reader.session, reader.group.id, number)
        return Reply(f"223 {number} {message_id} Article found")
    return handler


def newnews(reader: Reader, args: list[str]) -> Reply:
    since = _since(args[1:]) if args else None
    if since is None:
        return Reply("501 Syntax: NEWNEWS wildmat yyyymmdd hhmmss [GMT]")
    ids = [g.id for g in _groups(reader, args[0])]
    found = articles.new_message_ids(reader.session, since, ids) if ids else []
    return Reply("230 New articles follow", text_lines(found))


def newgroups(reader: Reader, args: list[str]) -> Reply:
    since = _since(args)
    if since is None:
        return Reply("501 Syntax: NEWGROUPS yyyymmdd hhmmss [GMT]")
    names = set(articles.new_groups(reader.session, since))
    return Reply("231 New newsgroups follow", text_lines(
        f"{g.name} {g.high} {g.low} n" for g in _groups(reader, "*")
        if g.name in names))


def _since(args: list[str]) -> datetime | None:
    if len(args) not in (2, 3) or (len(args) == 3 and args[2].upper() != "GMT"):
        return None
    return parse_when(args[0], args[1])


def date(reader: Reader, args: list[str]) -> Reply:
    return Reply(f"111 {datetime.now(UTC):%Y%m%d%H%M%S}")


def help_(reader: Reader, args: list[str]) -> Reply:
    return Reply("100 Help text follows", text_lines(sorted(COMMANDS)))


def quit_(reader: Reader, args: list[str]) -> Reply:
    return Reply("205 Bye", close=True)


def post(reader: Reader, args: list[str]) -> Reply:
    return Reply("440 Posting not permitted: this archive is read-only")


def ihave(reader: Reader, args: list[str]) -> Reply:
    return Reply("435 Article not wanted: this archive is read-only")


COMMANDS: dict[str, Handler] = {
    "CAPABILITIES": capabilities, "MODE": mode, "LIST": list_, "GROUP": group,
    "LISTGROUP": listgroup, "NEXT": step(True), "LAST": step(False),
    "ARTICLE": retrieval.article, "HEAD": retrieval.head, "BODY": retrieval.body,
    "STAT": retrieval.stat, "OVER": retrieval.over, "XOVER": retrieval.over,
    "HDR": retrieval.hdr, "XHDR": retrieval.xhdr, "NEWNEWS": newnews,
    "NEWGROUPS": newgroups, "DATE": date, "HELP": help_, "QUIT": quit_,
    "POST": post, "IHAVE": ihave,
}
