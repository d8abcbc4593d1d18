"""ARTICLE, HEAD, BODY, STAT, OVER and HDR: articles by number, by Message-ID
or the current one (RFC 3977 6.2, 8.3, 8.5).

Every lookup goes through `forum.services.nntp_articles`, so a hidden post
answers exactly as one that never existed (423 or 430).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from forum.nntp.reply import Reply, clean
from forum.nntp.state import ReaderState
from forum.nntp.syntax import is_message_id, parse_number, parse_range
from forum.services import nntp_articles as articles
from forum.services.nntp_articles import Article
from forum.services.nntp_overview import (
    OVERVIEW_HEADERS,
    Overview,
    group_overviews,
    overview_from,
)


def _locate(reader: ReaderState, args: list[str]) -> tuple[bool, int] | Reply:
    """The article an ARTICLE-like command names: (by Message-ID?, post id),
    or the error reply.  Whether a number is in the group is the
    caller's question (one query with the article, or with its Message-ID)."""
    if len(args) > 1:
        return Reply("501 Syntax: one article number or Message-ID")
    if args and args[0].startswith("<"):
        return _by_message_id(reader, args[0])
    if reader.group is None:
        return Reply("412 No newsgroup selected")
    if not args:
        if reader.current is None:
            return Reply("420 No current article selected")
        return False, reader.current
    if (number := parse_number(args[0])) is None:
        return Reply("501 Not an article number")
    return False, number


def _missing(args: list[str]) -> Reply:
    if args and args[0].startswith("<"):
        return Reply("430 No article with that Message-ID")
    return Reply("420 Current article number is invalid" if not args
                 else "423 No article with that number")


def _by_message_id(reader: ReaderState, message_id: str) -> tuple[bool, int] | Reply:
    if not is_message_id(message_id):
        return Reply("501 Malformed Message-ID")
    number = articles.number_of(reader.session, message_id)
    if number is None:
        return Reply("430 No article with that Message-ID")
    return True, number


def _retrieve(code: int, parts: str):
    """ARTICLE (head and body), HEAD, BODY or STAT (neither).  An article
    named by number must be in the group, and becomes the current one."""
    def handler(reader: ReaderState, args: list[str]) -> Reply:
        found = _locate(reader, args)
        if isinstance(found, Reply):
            return found
        by_id, number = found
        group_id: int | None = None
        if not by_id:
            assert reader.group is not None, "_locate answers 412 without one"
            group_id = reader.group.id
        if not parts:
            message_id = (args[0] if group_id is None else
                          articles.message_id_in(reader.session, group_id, number))
            article = None
        else:
            article = articles.article(reader.session, number, group_id)
            message_id = article.message_id if article else None
        if message_id is None:
            return _missing(args)
        if not by_id:
            reader.current = number
        status = f"{code} {0 if by_id else number} {message_id}"
        if article is None:
            return Reply(status)
        data = {"head": [article.head], "body": [article.body],
                "both": [article.head, b"\r\n", article.body]}[parts]
        return Reply(status, data)
    return handler


article = _retrieve(220, "both")
head = _retrieve(221, "head")
body = _retrieve(222, "body")
stat = _retrieve(223, "")


def _selection(reader: ReaderState, args: list[str], overviews: bool = False
               ) -> tuple[bool, Iterator] | Reply:
    """OVER's and HDR's articles (or overviews): (by Message-ID?, them), or an
    error reply.  They come lazily; an empty range answers 423 before any is
    sent."""
    if args and args[0].startswith("<"):
        return _one_by_message_id(reader, args[0], overviews)
    if reader.group is None:
        return Reply("412 No newsgroup selected")
    span: tuple[int, int] | None
    if not args:
        if reader.current is None:
            return Reply("420 No current article selected")
        span = (reader.current, reader.current)
    else:
        # `n-` runs to the end, posts imported since GROUP included.
        span = parse_range(args[0], articles.MAX_NUMBER)
        if span is None:
            return Reply("501 Bad range")
    fetch = group_overviews if overviews else articles.group_articles
    chosen = fetch(reader.session, reader.group.id, *span)
    first = next(chosen, None)
    if first is None:
        return Reply("420 Current article number is invalid" if not args
                     else "423 No articles in that range")
    return False, chain([first], chosen)


def _one_by_message_id(reader: ReaderState, message_id: str, overviews: bool
                       ) -> tuple[bool, Iterator] | Reply:
    found = _by_message_id(reader, message_id)
    if isinstance(found, Reply):
        return found
    article = articles.article(reader.session, found[1])
    if article is None:
        return Reply("430 No such article")
    return True, iter([overview_from(article) if overviews else article])


def over(reader: ReaderState, args: list[str]) -> Reply:
    """OVER and XOVER: the overview fields (LIST OVERVIEW.FMT) per article."""
    if len(args) > 1:
        return Reply("501 Syntax: OVER [range|Message-ID]")
    found = _selection(reader, args, overviews=True)
    if isinstance(found, Reply):
        return found
    by_id, chosen = found
    return Reply("224 Overview information follows",
                 (_overview(o, 0 if by_id else o.number) for o in chosen))


def _overview(overview: Overview, number: int) -> bytes:
    fields = [str(number), *map(clean, overview.values), str(overview.bytes),
              str(overview.lines)]
    return ("\t".join(fields) + "\r\n").encode("utf-8", "replace")


def _headers(code: int, name: str):
    """HDR (225) and the older XHDR (221): one field of each article.

    An overview field (slrnpull starts with `XHDR Message-ID 1-`) is read
    from the kept overviews; any other needs each article rendered.
    """
    def handler(reader: ReaderState, args: list[str]) -> Reply:
        if len(args) not in (1, 2):
            return Reply(f"501 Syntax: {name} field [range|Message-ID]")
        field = args[0].lower()
        overviews = field in OVERVIEW_HEADERS or field in (":bytes", ":lines")
        found = _selection(reader, args[1:], overviews)
        if isinstance(found, Reply):
            return found
        by_id, chosen = found
        value = _overview_value if overviews else Article.header
        return Reply(f"{code} Headers follow", (
            f"{'0' if by_id else a.number} {clean(value(a, field) or '')}\r\n"
            .encode("utf-8", "replace") for a in chosen))
    return handler


def _overview_value(overview: Overview, field: str) -> str:
    if field == ":bytes":
        return str(overview.bytes)
    if field == ":lines":
        return str(overview.lines)
    return overview.values[OVERVIEW_HEADERS.index(field)]


hdr = _headers(225, "HDR")
xhdr = _headers(221, "XHDR")
