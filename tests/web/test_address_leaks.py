"""No page or API answer shows a full e-mail address, on real archives.

The whole of 20 Newsgroups (one import run; its crossposts add ~840 more
groups) and every notmuch-mail mbox (a run and a group each) are imported once
per database, then a reader's walk follows the links the pages offer:

- the home page;
- every group's thread list and month archives: all pages for the notmuch
  groups and sci.med, the first 3 pages for every other group;
- for the notmuch groups and sci.med (one whole newsgroup, ~1,000 posts):
  every thread in tree and flat view, every post's permalink page and every
  author page (all pages) linked from those;
- the import runs list and every run's report (all pages), signed in as a
  moderator (readers cannot reach them);
- the API: /api/v1/groups, every group's threads (the same pages as above),
  and /api/v1/threads/<id> and /api/v1/posts/<permalink> for the threads and
  posts of the notmuch groups and sci.med.

Walking the other 19 newsgroups page by page would take minutes per database,
so instead every one of the ~19,700 posts is rendered by the macro thread pages
use (body, subject, author name and address, date note): the leaks this test
first found were in those groups' bodies.

Responses are HTML-unescaped (and percent-decoded) before looking, so `&#64;`
or `%40` cannot hide an address.  A masked address (`tha...@sympatico.ca`) is
fine; anything else is reported with the URL that showed it.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Post
from forum.services.accounts import create_user
from forum.services.archive import ThreadEntry
from importers.runner import ImportOptions, ImportRunner
from tests.evidence.conftest import (  # noqa: F401 - a fixture, found by name
    PASSWORD,
    Auth,
    quick_password_hashing,
)
from tests.helpers import corpus

pytestmark = [pytest.mark.corpus, pytest.mark.search_backend("null")]

FULL_NEWSGROUP = "sci.med"
OTHER_GROUP_PAGES = 3
# Host labels start with a letter or digit: `1@-QT.K` in a uuencoded line is noise.
ADDRESS_RE = re.compile(
    r"(?P<local>[A-Za-z0-9._%+-]+)@[A-Za-z0-9][A-Za-z0-9-]*"
    r"(?:\.[A-Za-z0-9][A-Za-z0-9-]*)+"
)
# Numbers alone after the @ are a version ("1/4 mile@16.2", `python@3.11`), which
# masking keeps; four of them are an IPv4 host.
VERSION_RE = re.compile(r"\d+(?:\.\d+){0,2}|\d+(?:\.\d+){4,}")
HREF_RE = re.compile(r'href="(?P<url>/[^"#]*)')
ARTICLE = '{% from "_macros/posts.html" import article %}{{ article(entry) }}'


def full_addresses(text: str) -> set[str]:
    """Every unmasked address in `text`, looked for as a reader would see it."""
    seen = html.unescape(text)
    found = set()
    for candidate in (seen, unquote(seen)):
        found.update(m[0] for m in ADDRESS_RE.finditer(candidate)
                     if not m["local"].endswith("...")
                     and not VERSION_RE.fullmatch(m[0].rpartition("@")[2]))
    return found


def test_full_addresses_sees_through_escapes_and_skips_masked_ones():
    text = ("a&#64;b.org <x%40y.net> tha...@sympatico.ca q@-x.y 1.5@home "
            "mile@16.2 root@10.0.0.1")
    assert full_addresses(text) == {"a@b.org", "x@y.net", "root@10.0.0.1"}


@pytest.fixture(scope="module")
def archive(newsgroups_app):
    """20 Newsgroups (a copy of the run's import) and the notmuch mboxes, each
    mbox imported as a run of its own."""
    mboxes = sorted(corpus("notmuch-mail").glob("*.mbox"))
    assert mboxes
    with newsgroups_app.app_context():
        for mbox in mboxes:
            ImportRunner(db.session, ImportOptions()).run([mbox])
        db.session.remove()
    return newsgroups_app


class Walk:
    """Fetches URLs once each, remembering every full address and failed status."""

    def __init__(self, client=None) -> None:
        self.client = client
        self.seen: set[str] = set()
        self.leaks: list[tuple[str, str]] = []
        self.failures: list[tuple[str, int]] = []

    def get(self, url: str) -> str:
        """The body of `url` (as JSON text for the API); "" when already seen."""
        if url in self.seen:
            return ""
        response = self.client.get(url)
        if response.status_code != 200:
            self.failures.append((url, response.status_code))
        text = response.get_data(as_text=True)
        if response.is_json:
            text = json.dumps(response.get_json(), ensure_ascii=False)
        return self.look(url, text)

    def look(self, url: str, text: str) -> str:
        self.seen.add(url)
        self.leaks += [(url, address) for address in sorted(full_addresses(text))]
        return text

    def pages(self, url: str, limit: int | None = None) -> list[str]:
        """`url` and the further pages its pager links to, up to `limit` pages."""
        first = self.get(url)
        last = max((page_number(link) for link in links(first, url)), default=1)
        if limit is not None:
            last = min(last, limit)
        return [first, *(self.get(f"{url}?page={n}") for n in range(2, last + 1))]

    def check(self) -> None:
        leaks = "".join(f"\n  {url}  shows  {addr}" for url, addr in self.leaks)
        fails = "".join(f"\n  {url}  answered {code}" for url, code in self.failures)
        if self.leaks or self.failures:
            pytest.fail(f"{len(self.leaks)} full address(es) in {len(self.seen)} "
                        f"responses:{leaks}\n{len(self.failures)} failed "
                        f"response(s):{fails}", pytrace=False)


def links(text: str, prefix: str) -> list[str]:
    """Links in a page whose path starts with `prefix` (query kept), in page order."""
    found = (html.unescape(m["url"]) for m in HREF_RE.finditer(text))
    return list(dict.fromkeys(u for u in found if urlsplit(u).path.startswith(prefix)))


def page_number(url: str) -> int:
    return int(parse_qs(urlsplit(url).query).get("page", ["1"])[0])


def paths(urls: Iterable[str], pattern: str) -> list[str]:
    """The paths of `urls` that match `pattern` exactly, deduplicated."""
    found = (urlsplit(url).path for url in urls)
    return list(dict.fromkeys(p for p in found if re.fullmatch(pattern, p)))


def walked_in_full(name: str) -> bool:
    return name.startswith("notmuch") or name == FULL_NEWSGROUP


def test_pages_show_no_full_address(archive):
    walk = Walk(archive.test_client())
    groups = paths(links(walk.get("/"), "/g/"), r"/g/.+/")
    assert f"/g/{FULL_NEWSGROUP}/" in groups
    threads = [thread for group in groups for thread in _walk_group(walk, group)]
    assert len(threads) > 300
    posts, authors = _walk_threads(walk, list(dict.fromkeys(threads)))
    assert len(posts) > 1000
    for post in posts:
        authors += links(walk.get(post), "/a/")
    for author in paths(authors, r"/a/[^/]+/"):
        walk.pages(author)
    walk.check()


def test_import_reports_show_no_full_address(archive):
    with archive.app_context():
        create_user(db.session, "leak-check", PASSWORD, "moderator")
        db.session.commit()
        db.session.remove()
    client = archive.test_client()
    assert Auth(client).login("leak-check").status_code == 302
    walk = Walk(client)
    runs = (url for page in walk.pages("/imports/") for url in links(page, "/imports/"))
    reports = paths(runs, r"/imports/\d+/")
    assert len(reports) > 1
    for run in reports:
        walk.pages(run)
    walk.check()


def _walk_group(walk: Walk, group: str) -> list[str]:
    """Walk a group's listings; the threads listed, if its threads are walked too."""
    full = walked_in_full(unquote(group[len("/g/"):-1]))
    limit = None if full else OTHER_GROUP_PAGES
    listing = walk.pages(group, limit)
    for month in paths(links(listing[0], group), rf"{re.escape(group)}\d+/\d+/"):
        listing += walk.pages(month, limit)
    if not full:
        return []
    return paths((url for page in listing for url in links(page, "/t/")), r"/t/\d+/")


def _walk_threads(walk: Walk, threads: list[str]) -> tuple[list[str], list[str]]:
    """Both views of each thread; the permalinks and author links they show."""
    posts: list[str] = []
    authors: list[str] = []
    for thread in threads:
        for page in (walk.get(thread), walk.get(f"{thread}?view=flat")):
            posts += links(page, "/p/")
            authors += links(page, "/a/")
    return paths(posts, r"/p/[^/]+/"), authors


def test_api_shows_no_full_address(archive):
    walk = Walk(archive.test_client())
    names = [g["name"] for g in json.loads(walk.get("/api/v1/groups"))["groups"]]
    threads: list[int] = []
    for name in names:
        full = walked_in_full(name)
        for page in _api_pages(walk, f"/api/v1/groups/{quote(name)}/threads",
                               None if full else OTHER_GROUP_PAGES):
            threads += [row["id"] for row in page["threads"]] if full else []
    assert len(threads) > 300
    posts: list[str] = []
    for thread in dict.fromkeys(threads):
        entries = json.loads(walk.get(f"/api/v1/threads/{thread}"))["posts"]
        posts += [entry["permalink"] for entry in entries if entry["available"]]
    assert len(posts) > 1000
    for permalink in dict.fromkeys(posts):
        walk.get(f"/api/v1/posts/{permalink}")
    walk.check()


def _api_pages(walk: Walk, url: str, limit: int | None) -> list[dict]:
    first = json.loads(walk.get(url))
    last = first["pages"] if limit is None else min(first["pages"], limit)
    rest = (json.loads(walk.get(f"{url}?page={n}")) for n in range(2, last + 1))
    return [first, *rest]


def test_every_post_as_a_thread_shows_it_has_no_full_address(archive):
    walk = Walk()
    with archive.test_request_context():
        template = archive.jinja_env.from_string(ARTICLE)
        posts = db.session.scalars(
            select(Post).options(joinedload(Post.author))
            .where(Post.is_ghost.is_(False), Post.is_hidden.is_(False))
        )
        for post in posts:
            entry = ThreadEntry(post.depth, post, permalink=post.permalink)
            walk.look(f"/t/{post.thread_id}/#p-{post.permalink}",
                      template.render(entry=entry))
        db.session.remove()
    assert len(walk.seen) > 19_000
    walk.check()
