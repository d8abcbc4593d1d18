"""Search pages: results with facets, the query-language help, an Atom feed.

Views parse the request, call `forum.services.search.search_posts` and render;
the JSON API (`forum.web.api`) shares `search_args` and `find`.  A query the
parser rejects comes back as a `ForumError` whose message is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from forum.errors import ForumError
from forum.extensions import db
from forum.models import Post
from forum.services import mbox_export
from forum.services.pagination import Page
from forum.services.search import (
    EXPORT_LIMIT,
    SearchPage,
    matching_post_ids,
    post_group_names,
    search_posts,
)
from forum.text.markup import post_plain_text
from forum.text.masking import mask_addresses
from forum.text.snippets import highlight_snippet, highlight_words, snippet_text
from forum.web.atom import Entry, atom_response
from forum.web.common import id_arg, page_arg
from forum.web.links import query_link
from forum.web.mbox import MBOX_FILE, mbox_response

bp = Blueprint("search", __name__)

SORTS = {"relevance": "relevance", "date": "newest first", "oldest": "oldest first"}
PER_PAGE = 20
# Deep pages cost the index more and help nobody: narrowing the query does.
MAX_PAGE = 50
GROUP_VALUE = re.compile(r"[\w.+/-]+")
_WORD = re.compile(r"\w+")
_MASKED_ADDRESS = re.compile(r"(\S*?)\.\.\.(?:@|%40)([\w.-]+)")
# Characters XML 1.0 cannot carry, even escaped (old posts hold form feeds).


@dataclass(frozen=True, slots=True)
class SearchArgs:
    """What a search request asked for, validated."""

    q: str = ""
    sort: str = "relevance"
    page: int = 1
    group: str | None = None
    thread: int | None = None

    def url(self, endpoint: str = "search.results", **changes) -> str:
        """This search's URL with some arguments changed (page 1 unless given)."""
        args = replace(self, **{"page": 1, **changes})
        return query_link(endpoint, {**args.params(),
                                     "page": args.page if args.page > 1 else None})

    def params(self) -> dict:
        """Query-string arguments but the page, leaving out the defaults."""
        return {"q": self.q or None,
                "sort": self.sort if self.sort != "relevance" else None,
                "group": self.group, "thread": self.thread}


@dataclass(slots=True)
class Hit:
    """One result as pages, the feed and the API show it."""

    post: Post
    groups: list[str]
    words: list[str]

    @property
    def text(self) -> str:
        return post_plain_text(self.post.body_text, self.post.body_html)

    @property
    def subject(self) -> Markup:
        return highlight_words(self.post.subject or "(no subject)", self.words)

    @property
    def snippet(self) -> Markup:
        return highlight_snippet(self.text, self.words)

    @property
    def summary(self) -> str:
        """The snippet as plain text, addresses masked."""
        return snippet_text(self.text, self.words)


@dataclass(slots=True)
class FacetLink:
    label: str
    count: int
    url: str | None
    active: bool = False


def search_args() -> SearchArgs:
    """Read q, sort, page, group and thread; a 400 for a malformed page or thread."""
    sort = request.args.get("sort", "relevance")
    group = request.args.get("group", "").strip() or None
    if group and len(group) > 255:
        abort(400, description="'group' is too long to be a group name.")
    return SearchArgs(
        q=request.args.get("q", "").strip(),
        sort=sort if sort in SORTS else "relevance",
        page=page_arg(), group=group, thread=id_arg("thread", "a thread"),
    )


def find(args: SearchArgs, per_page: int = PER_PAGE,
         facets: bool = True) -> tuple[SearchPage | None, str]:
    """One page of results, or None and what is wrong with the query.

    A page past the last (or past MAX_PAGE) is a 404, as in the archive pages.
    Facets are counted only for a page that shows them.
    """
    if args.page > MAX_PAGE:
        abort(404, description=f"Results stop at page {MAX_PAGE}: narrow the search.")
    try:
        result = search_posts(db.session, args.q, sort=args.sort, page=args.page,
                              per_page=per_page, group=args.group,
                              thread_id=args.thread, facets=facets,
                              viewer=current_user)
    except ForumError as error:  # BadQuery: its message says what to change
        return None, str(error)
    if args.page > 1 and args.page > result.pages:
        abort(404, description=f"There is no page {args.page} of these results.")
    return result, ""


def hits(result: SearchPage) -> list[Hit]:
    """The page's posts with their group names, ready to show."""
    groups = post_group_names(db.session, [post.id for post in result.posts])
    return [Hit(post, sorted(groups.get(post.id, [])), result.words)
            for post in result.posts]


# -- pages ---------------------------------------------------------------------


@bp.get("/search")
def results():
    args = search_args()
    if not args.q:
        return render_template("search/results.html", args=args, result=None)
    result, error = find(args)
    if result is None:
        return render_template("search/results.html", args=args, result=None,
                               error=error), 400
    return render_template(
        "search/results.html", args=args, result=result, hits=hits(result),
        facets=facet_links(result, args), pages=_pager(result), sorts=SORTS,
        export_limit=EXPORT_LIMIT,
    )


@bp.get("/search/help", endpoint="help")
def help_page():
    return render_template("search/help.html")


def _pager(result: SearchPage) -> Page:
    """A pager that stops at MAX_PAGE."""
    total = min(result.total, MAX_PAGE * result.per_page)
    return Page(result.posts, result.page, result.per_page, total)


# -- facets --------------------------------------------------------------------


def facet_links(result: SearchPage, args: SearchArgs) -> dict[str, list[FacetLink]]:
    """Facet counts as links that add `group:`, `d:` or `f:` to the query."""
    makers = {"group": _group_clause, "year": _year_clause, "author": author_clause}
    labels: dict[str, Callable[[str], str]] = {
        "group": str, "year": str, "author": _author_label}
    links: dict[str, list[FacetLink]] = {}
    for name, make in makers.items():
        links[name] = [_facet_link(args, labels[name](value), count, make(value))
                       for value, count in result.facets.get(name, [])]
    return {name: items for name, items in links.items() if items}


def _facet_link(args: SearchArgs, label: str, count: int,
                clause: str | None) -> FacetLink:
    if clause is None:
        return FacetLink(label, count, None)
    if clause.casefold() in args.q.casefold():
        return FacetLink(label, count, None, active=True)
    return FacetLink(label, count, args.url(q=f"{args.q} {clause}"))


def _group_clause(name: str) -> str | None:
    return f"group:{name}" if GROUP_VALUE.fullmatch(name) else None


def _year_clause(year: str) -> str | None:
    return f"d:{year}" if year.isdigit() else None


def _author_label(name: str) -> str:
    return "Unknown" if name == "(unknown)" else mask_addresses(name)


def author_clause(name: str) -> str | None:
    """`f:` clauses that find this author without spelling out their address.

    `MLondon@PSFC.MIT.EDU` becomes `f:MLo* f:"PSFC.MIT.EDU"`: the query box and
    the link show only what the page shows, the masked address.
    """
    if name == "(unknown)":
        return None
    shown = mask_addresses(name)
    clauses = []
    for found in _MASKED_ADDRESS.finditer(shown):
        local = _WORD.findall(found[1])
        clauses += [f"f:{word}" for word in local[:-1]]
        if local and len(local[-1]) >= 2:
            clauses.append(f"f:{local[-1]}*")
        clauses.append(f'f:"{found[2]}"')
    rest = _WORD.findall(_MASKED_ADDRESS.sub(" ", shown))
    if rest:
        clauses.append(f'f:"{" ".join(rest)}"' if len(rest) > 1 else f"f:{rest[0]}")
    return " ".join(clauses) or None


# -- mbox ----------------------------------------------------------------------


@bp.get(f"/search/{MBOX_FILE}")
def results_mbox(file: str) -> Response:
    """The matches (the first EXPORT_LIMIT in the search's order) as mbox."""
    args = search_args()
    if not args.q:
        abort(400, description="Add a query: /search/mbox?q=words")
    try:
        ids, _total = matching_post_ids(args.q, sort=args.sort, group=args.group,
                                        thread_id=args.thread, viewer=current_user)
    except ForumError as error:
        abort(400, description=str(error))
    return mbox_response(mbox_export.posts_by_id(ids), f"search-{args.q}", file)


# -- Atom ----------------------------------------------------------------------


@bp.get("/search/feed.atom")
def feed():
    args = search_args()
    if not args.q:
        abort(400, description="Add a query: /search/feed.atom?q=words")
    # A feed is the newest matches unless asked otherwise, and only its first page.
    sort = request.args.get("sort")
    args = replace(args, page=1, sort=sort if sort in SORTS else "date")
    result, error = find(args, facets=False)
    if result is None:
        abort(400, description=error)
    return atom_response(
        f"Search: {args.q}", url_for("search.feed", **args.params(), _external=True),
        url_for("search.results", **args.params(), _external=True),
        (Entry(hit.post, hit.summary) for hit in hits(result)))
