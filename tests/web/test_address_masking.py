"""Every way archives wrote an e-mail address, through every output a reader gets.

One mbox (written here) carries each form of the table in a body, a quote,
an attribution line, an HTML part, a Subject, a From header or a Message-ID.
It is imported with the importer, then every GET route of the URL map that
shows post text or headers is fetched (as a reader, a moderator and an
admin) and read the way a person or a harvester would: entities and percent
escapes decoded, " at "/"(at)"/"[at]"/" dot " read as "@" and ".".  No
address of the table may be readable anywhere; a masked one (`jsm...@host`)
is fine.  The ordinary words written next to each address must still be
there, so masking cannot pass by dropping a post.  Moderators' own words that
readers see (label rationales, citation notes) and that the audit log keeps
carry addresses of the table too, as does a label quote stored before masking
knew its form, as do the text readers type into flags and the outcome notes on
them.  `test_every_get_route_is_walked` fails for a new page until the walk
reaches it.

Admins see a post's original text after a takedown ("Original text (admins
only)", forum/web/takedowns.py and templates/moderation/_takedowns.html):
that is the one documented exception, and no takedown happens here.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, unquote

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Author, Citation, ClaimProposal, Label, Post, Thread
from forum.services import citations, evidence
from forum.services.accounts import create_user
from forum.services.evidence import seed_label_kinds
from forum.services.moderation import flag_post, resolve_flag
from forum.text.masking import mask_addresses
from importers.runner import ImportOptions, ImportRunner
from tests.evidence.conftest import PASSWORD, Auth

GROUP = "masking.forms"


@dataclass(frozen=True)
class Form:
    """One way an address was written; `word` is ordinary text written next to it."""

    name: str
    raw: str
    address: str
    word: str
    where: str  # body, quote, attribution, html, subject, from, message-id


FORMS = [
    Form("plain", "ann.plain@hostone.com", "ann.plain@hostone.com",
         "aardvark", "body"),
    Form("mixed-case at word", "JSmith at Example.Org", "jsmith@example.org",
         "badger", "body"),
    Form("at and dot words", "carol at hosttwo dot com", "carol@hosttwo.com",
         "cheetah", "body"),
    Form("(at) (dot)", "dave (at) hostthree (dot) com", "dave@hostthree.com",
         "dingo", "body"),
    Form("[at]", "erin[at]hostfour.com", "erin@hostfour.com", "egret", "body"),
    Form("{at} {dot}", "frank {at} hostfive {dot} com", "frank@hostfive.com",
         "ferret", "body"),
    Form("upper-case AT DOT", "GLEN AT HOSTNINETEEN DOT NET",
         "glen@hostnineteen.net", "gannet", "body"),
    Form("&#64; in text", "nora&#64;hostfifteen.com", "nora@hostfifteen.com",
         "narwhal", "body"),
    Form("&#x40; in text", "otto&#x40;hostsixteen.com", "otto@hostsixteen.com",
         "ocelot", "body"),
    Form("&commat; in text", "pia&commat;hostseventeen.com",
         "pia@hostseventeen.com", "pelican", "body"),
    Form("percent-encoded mailto in text", "<mailto:mona%40hostfourteen.com>",
         "mona@hostfourteen.com", "mongoose", "body"),
    Form("plus, dots, hyphens, subdomains",
         "peter.q.public+lists@mail.sub-domain.example-host.co.uk",
         "peter.q.public+lists@mail.sub-domain.example-host.co.uk", "porcupine",
         "body"),
    Form("upper-case TLD", "QUINN@HOSTTHIRTEEN.COM", "quinn@hostthirteen.com",
         "quail", "body"),
    Form("IDN host", "rosa@bücher.de", "rosa@bücher.de", "reindeer", "body"),
    Form("IDN host and TLD", "sasha@пример.рф", "sasha@пример.рф", "salamander",
         "body"),
    Form("IDN, at and dot words", "jörg at bücher dot de", "jörg@bücher.de",
         "jackal", "body"),
    Form("next to a citation", "zara@hostcite.com", "zara@hostcite.com", "yak",
         "body"),
    Form("in a health claim (quoted by the review queue)",
         "Magnesium cures fibromyalgia, ask quentin.claim@hostclaim.com",
         "quentin.claim@hostclaim.com", "quetzal", "body"),
    Form("IPv4-literal domain", "ursula@[10.0.0.1]", "ursula@[10.0.0.1]", "urchin",
         "body"),
    Form("IPv6-literal domain", "vera.six@[IPv6:2001:db8::1]",
         "vera.six@[IPv6:2001:db8::1]", "vole", "body"),
    Form("<address> in a quote", "<gina.quote@hostsix.com>",
         "gina.quote@hostsix.com", "kestrel", "quote"),
    Form("<address> in a nested quote", "<harry.nested@hostnested.com>",
         "harry.nested@hostnested.com", "lynx", "quote"),
    Form("<address> with an IP-literal domain in a quote", "<root@[192.168.1.2]>",
         "root@[192.168.1.2]", "marmot", "quote"),
    Form("Message-ID in an attribution", "<abc123@news.hostseven.com>",
         "abc123@news.hostseven.com", "article", "attribution"),
    Form("address in an attribution", "jsmith2@example.org",
         "jsmith2@example.org", "Smith", "attribution"),
    Form("mailto link in HTML", "mailto:hank@hosteight.com", "hank@hosteight.com",
         "otter", "html"),
    Form("percent-encoded mailto link in HTML", "mailto:ivy%40hostnine.com",
         "ivy@hostnine.com", "puffin", "html"),
    Form("&#64; in HTML", "jack&#64;hostten.com", "jack@hostten.com", "raven",
         "html"),
    Form("&#x40; in HTML", "kate&#x40;hosteleven.com", "kate@hosteleven.com",
         "stoat", "html"),
    Form("&commat; in HTML", "liam&commat;hosttwelve.com", "liam@hosttwelve.com",
         "tapir", "html"),
    Form("Subject", "nina@subjecthost.com", "nina@subjecthost.com", "geckos",
         "subject"),
    Form("Subject, (at) (dot)", "wendy (at) subjecttwo (dot) org",
         "wendy@subjecttwo.org", "herons", "subject"),
    Form("From display name = address",
         '"oscar@fromhost.com" <oscar@fromhost.com>', "oscar@fromhost.com",
         "fromhost", "from"),
    Form("From display name via a list",
         '"vic@displayhost.com via Lists" <lists@list-host.org>',
         "vic@displayhost.com", "Lists", "from"),
    Form("From address behind a via name", "lists@list-host.org",
         "lists@list-host.org", "Lists", "from"),
    Form("From, plain", "Alice Sender <alice.sender@origin-host.com>",
         "alice.sender@origin-host.com", "Alice", "from"),
    Form("From, IP-literal domain", "Ira Literal <ira.literal@[192.0.2.7]>",
         "ira.literal@[192.0.2.7]", "Literal", "from"),
    Form("Message-ID header", "<start.walrus@mid-host.example.com>",
         "start.walrus@mid-host.example.com", "walrus", "message-id"),
    Form("unreadable Date header", "ask yves@datehost.com", "yves@datehost.com",
         "sometime", "date"),
    Form("X-No-Archive post's From", "<xena.private@noarchive.org>",
         "xena.private@noarchive.org", "Xena", "skipped"),
    Form("X-No-Archive post's body", "xavier.hidden@noarchive.org",
         "xavier.hidden@noarchive.org", "hidden", "skipped"),
]
# Prose that looks a little like an address and must be shown as written.
PROSE = ["meet at home dot the", "look at this", "python@3.11", "numpy@1.26.4",
         "the FAQ is at rtfm.mit.edu"]

_AT = r"(?:@|\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+|_at_|-at-)"
_DOT = r"(?:\.|\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+)"
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def readable(text: str) -> str:
    """What a reader or a harvester reads: escapes undone, NFC, lower case."""
    for _ in range(4):
        decoded = _JSON_ESCAPE.sub(lambda found: chr(int(found[1], 16)), text)
        decoded = unquote(html.unescape(decoded))
        if decoded == text:
            break
        text = decoded
    return unicodedata.normalize("NFC", text).casefold()


def _address_pattern(address: str) -> re.Pattern:
    local, _, host = address.casefold().rpartition("@")

    def dotted(part: str) -> str:
        return _DOT.join(re.escape(label) for label in part.split("."))
    return re.compile(rf"(?<![\w.+-]){dotted(local)}{_AT}{dotted(host)}(?![\w-])")


# The first word of each local part, looked for first: most pages hold none.
PATTERNS = {form.address: (form.address.casefold().split(".")[0].split("@")[0],
                           _address_pattern(form.address)) for form in FORMS}


def shown_addresses(text: str) -> list[str]:
    """The table's addresses readable in `text`."""
    seen = readable(text)
    return [address for address, (word, pattern) in PATTERNS.items()
            if word in seen and pattern.search(seen)]


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_the_detector_reads_every_form_as_written_and_escaped(form):
    for shown in (form.raw, html.escape(form.raw), json.dumps(form.raw),
                  quote(form.raw), f"x {form.address.upper()} y"):
        assert form.address in shown_addresses(shown), shown
    local, _, host = form.address.rpartition("@")
    assert shown_addresses(f"{local[:3]}...@{host} {local} {host}") == []


# -- the archive ------------------------------------------------------------------

def _body_line(form: Form) -> str:
    return f"Ask the {form.word} keeper: {form.raw} please."


def _message(sender: str, subject: str, message_id: str, date: str, body: str,
             *, references: str = "", content_type: str = "text/plain",
             extra: str = "") -> str:
    headers = [f"From: {sender}", f"Subject: {subject}", f"Message-ID: {message_id}",
               f"Date: {date}", "MIME-Version: 1.0",
               f"Content-Type: {content_type}; charset=utf-8",
               "Content-Transfer-Encoding: 8bit"]
    if references:
        headers += [f"References: {references}", f"In-Reply-To: {references}"]
    headers += [extra] if extra else []
    return "From someone Tue Oct 10 03:00:00 2000\n" + "\n".join(headers) + \
        "\n\n" + body.strip("\n") + "\n\n"


def _forms(where: str) -> list[Form]:
    return [form for form in FORMS if form.where == where]


def _form(name: str) -> Form:
    return next(form for form in FORMS if form.name == name)


START = "<start.walrus@mid-host.example.com>"
BODY = "\n".join([
    "Hello all, here are the ways people wrote their addresses.", "",
    *(_body_line(form) for form in _forms("body")),
    "See PMID 9068914 as the yak keeper said.", "",
    "We meet at home dot the i's later; look at this, then install python@3.11",
    "and numpy@1.26.4 because the FAQ is at rtfm.mit.edu for everyone.",
])
REPLY = """\
In article <abc123@news.hostseven.com>, jsmith2@example.org (John Smith) wrote:
> Gina Quote said kestrel <gina.quote@hostsix.com> knows the way.
> > Harry wrote that lynx <harry.nested@hostnested.com> is shy.
> Root said the marmot keeper <root@[192.168.1.2]> is away.
> The rest of the quoted lines are ordinary.

I agree with the lemur point.
"""
HTML = """\
<html><body><p>Mail <a href="mailto:hank@hosteight.com">the otter keeper</a> or
<a href="mailto:ivy%40hostnine.com?subject=hi">the puffin keeper</a>.</p>
<p>Entity forms: jack&#64;hostten.com raven, kate&#x40;hosteleven.com stoat,
liam&commat;hosttwelve.com tapir.</p></body></html>
"""
SUBJECT = "Address forms seen in real archives"
MESSAGES = [
    _message("Alice Sender <alice.sender@origin-host.com>", SUBJECT, START,
             "Tue, 10 Oct 2000 03:00:00 +0000", BODY),
    _message("John Smith <jsmith2@example.org>", f"Re: {SUBJECT}",
             "<reply.one@mid-host.example.com>", "Tue, 10 Oct 2000 04:00:00 +0000",
             REPLY, references=START),
    _message("Hank Html <html.sender@origin-host.com>", f"Re: {SUBJECT}",
             "<reply.html@mid-host.example.com>", "Tue, 10 Oct 2000 05:00:00 +0000",
             HTML, references=START, content_type="text/html"),
    _message('"oscar@fromhost.com" <oscar@fromhost.com>',
             "ask nina@subjecthost.com about geckos",
             "<subject.one@mid-host.example.com>", "Wed, 11 Oct 2000 03:00:00 +0000",
             "Geckos climb walls.\n"),
    _message('"vic@displayhost.com via Lists" <lists@list-host.org>',
             "herons seen by wendy (at) subjecttwo (dot) org",
             "<subject.two@mid-host.example.com>", "Thu, 12 Oct 2000 03:00:00 +0000",
             "Herons wade slowly.\n"),
    _message("Ira Literal <ira.literal@[192.0.2.7]>", "Literal hosts",
             "<literal.one@mid-host.example.com>", "Thu, 12 Oct 2000 04:00:00 +0000",
             "Some hosts have no name.\n"),
    _message("Yves Date <yves.sender@origin-host.com>", "Dates can be odd",
             "<date.one@mid-host.example.com>", "sometime, ask yves@datehost.com",
             "The date line was odd.\n"),
    _message("Xena <xena.private@noarchive.org>", "Not for the archive",
             "<skipped.one@mid-host.example.com>", "Fri, 13 Oct 2000 03:00:00 +0000",
             "Write to xavier.hidden@noarchive.org instead.\n",
             extra="X-No-Archive: yes"),
]
# Every archived message, and the words a reader must find on the thread pages.
WORDS = {"aardvark", "lemur", "otter", "raven", "Geckos", "Herons", "kestrel", "odd",
         *(form.word for form in FORMS if form.where not in ("message-id", "date",
                                                           "skipped"))}


@pytest.fixture(scope="module")
def archive(module_app, tmp_path_factory):
    """The mbox imported, a label and a citation on its first post, three users."""
    mbox = tmp_path_factory.mktemp("mbox") / f"{GROUP}.mbox"
    mbox.write_text("".join(MESSAGES), encoding="utf-8")
    with module_app.app_context(), pytest.MonkeyPatch.context() as patch:
        from forum.services import accounts

        patch.setattr(accounts, "PASSWORD_METHOD", "scrypt:1024:8:1")
        report = ImportRunner(db.session, ImportOptions()).run([str(mbox)])
        assert (report.imported, report.skipped) == (len(MESSAGES) - 1, 1), report
        seed_label_kinds(db.session)
        moderator = create_user(db.session, "mask-mod", PASSWORD, "moderator")
        create_user(db.session, "mask-admin", PASSWORD, "admin")
        first = db.session.scalar(select(Post).where(
            Post.message_id.in_([START, START[1:-1]])))
        kind = next(k for k in evidence.label_kinds(db.session)
                    if not k.requires_citation)
        # A moderator selects text on the page, where the address is masked ...
        evidence.label_post(db.session, moderator, first, kind.key,
                            "The aardvark keeper's line.",
                            exact=mask_addresses(_body_line(FORMS[0])))
        # ... but a quote stored before masking knew a form still holds it.
        now = first.date
        db.session.add(Label(
            post_id=first.id, kind_id=kind.id, exact=_body_line(FORMS[1]),
            prefix=_body_line(FORMS[0]) + "\n", suffix="\n" + _body_line(FORMS[2]),
            rationale=f"The badger keeper's line; ask {FORMS[4].raw} or "
                      f"{_form('IPv4-literal domain').raw}.",
            is_withdrawn=False, revision=1,
            created_by_id=moderator.id, created_at=now, updated_by_id=moderator.id,
            updated_at=now))
        # Moderators' own words are shown to readers too: rationales and notes.
        attached = citations.attach_citation(
            db.session, moderator, first, "PMID 9068914",
            note=f"the yak keeper's study, from {FORMS[5].raw} or "
                 f"{_form('IPv6-literal domain').raw}")
        evidence.label_post(db.session, moderator, first, "limited_evidence",
                            f"Only one study; its author is {FORMS[3].raw}.",
                            exact=mask_addresses(_body_line(FORMS[2])),
                            citations=[attached.citation])
        _flag(first, moderator)
        _proposal_and_reference(first, moderator)
        db.session.commit()
        db.session.remove()
    return module_app


def _proposal_and_reference(post: Post, moderator) -> None:
    """Copies of a post's words the queue shows: a same-claim proposal's span
    and a reference written as text, each stored holding an address."""
    from forum.models import PostReference

    label = db.session.scalar(select(Label).where(Label.post_id == post.id,
                                                  Label.exact.is_not(None)))
    other = db.session.scalar(select(Post).where(Post.id != post.id,
                                                 Post.is_ghost.is_(False)))
    db.session.add(ClaimProposal(
        source_label_id=label.id, post_id=other.id, exact=_body_line(FORMS[6]),
        prefix="", suffix="", score=0.5, status="proposed", reason="",
        explanation={"text": f"shared words: {FORMS[7].raw}"},
        created_at=post.date))
    db.session.add(PostReference(
        post_id=other.id, span_start=0, span_end=10,
        text=f"Keeper A, et al. Zoo J 1999 ({FORMS[8].raw})",
        fields={"authors": ["Keeper A"], "year": 1999}, status="unresolved",
        candidates=[], reason="", created_at=post.date))


def _flag(post: Post, moderator) -> None:
    """Readers type addresses into flags; a moderator's outcome note may too."""
    options = {"per_hour": 10, "hide_at": 0}
    flag_post(db.session, post, "personal_information", FLAG_TEXT, "reader-1",
              **options)
    resolved = flag_post(db.session, post, "spam", "", "reader-2", **options)
    resolve_flag(db.session, moderator, resolved, "disagreed", FLAG_OUTCOME)


FLAG_TEXT = (f"The wombat keeper is {FORMS[0].raw}, {FORMS[2].raw}, "
             f"{_form('&#64; in text').raw} and {_form('IPv4-literal domain').raw}.")
FLAG_OUTCOME = f"Quokka keepers publish {FORMS[3].raw} themselves."
FLAG_WORDS = ("wombat", "quokka")


# -- the walk ---------------------------------------------------------------------

HREF = re.compile(r'href="(/[^"#]*)')
SKIPPED_PREFIXES = ("/static/", "/search", "/login", "/logout")


class Walk:
    """Fetches pages once each and follows the archive's own links.

    Search links (facets, sorts, pages) are left out of the crawl: the search
    URLs are fetched on purpose, one per word of the table.
    """

    def __init__(self, app, client) -> None:
        self.client, self.adapter = client, app.url_map.bind("localhost")
        self.pages: dict[str, str] = {}
        self.endpoints: set[str] = set()
        self.leaks: list[tuple[str, str]] = []
        self.failures: list[tuple[str, int]] = []

    def get(self, url: str, seed: bool = True) -> str:
        """The response's text; a seed must answer 200 (a link found on a page
        may be refused: a moderator's link to an author readers cannot see)."""
        if url in self.pages:
            return self.pages[url]
        response = self.client.get(url)
        if response.status_code != 200 and seed:
            self.failures.append((url, response.status_code))
        data = response.get_data()
        if response.mimetype == "application/gzip":  # mbox.gz: read what it holds
            data = gzip.decompress(data)
        text = data.decode("utf-8")
        if response.is_json:  # \u escapes (IDN hosts) read as the characters
            text = json.dumps(response.get_json(), ensure_ascii=False)
        self.pages[url] = text
        self.endpoints.add(self.adapter.match(url.split("?")[0])[0])
        self.leaks += [(url, address) for address in shown_addresses(text)]
        return text

    def crawl(self, *seeds: str, follow: tuple[str, ...] = ("/",),
              limit: int = 400) -> None:
        """Fetch the seeds and the links they show whose paths start with `follow`."""
        todo, seeds = list(seeds), set(seeds)
        while todo and len(self.pages) < limit:
            url = html.unescape(todo.pop(0))
            if url in self.pages:
                continue
            text = self.get(url, seed=url in seeds)
            todo += [link for link in HREF.findall(text)
                     if link.startswith(follow)
                     and not link.startswith(SKIPPED_PREFIXES)
                     and html.unescape(link) not in self.pages]
        assert not todo, f"more than {limit} pages: {todo[:5]}"

    def check(self) -> None:
        leaks = "".join(f"\n  {url}  shows  {address}" for url, address in self.leaks)
        fails = "".join(f"\n  {url}  answered {code}" for url, code in self.failures)
        if self.leaks or self.failures:
            pytest.fail(f"{len(self.leaks)} address(es) readable in {len(self.pages)} "
                        f"responses:{leaks}\n{len(self.failures)} failed:{fails}",
                        pytrace=False)


def _rows(app):
    with app.app_context():
        posts = db.session.scalars(select(Post).where(Post.is_ghost.is_(False))).all()
        found = {
            "permalinks": [post.permalink for post in posts],
            "threads": db.session.scalars(select(Thread.id)).all(),
            "authors": sorted({post.author.slug for post in posts if post.author}),
            "all_authors": db.session.scalars(select(Author.slug)).all(),
            "labels": db.session.scalars(select(Label.id)).all(),
            "proposals": db.session.scalars(select(ClaimProposal.id)).all(),
            "citations": db.session.scalars(select(Citation.id)).all(),
        }
        db.session.remove()
    return found


def _searches(word: str) -> list[str]:
    q = quote(word)
    return [f"/search?q={q}", f"/search/feed.atom?q={q}", f"/api/v1/search?q={q}",
            f"/search/mbox?q={q}", f"/search/mbox.gz?q={q}"]


def _reader_urls(rows) -> list[str]:
    group = quote(GROUP)
    return [
        "/", f"/g/{group}/", f"/g/{group}/feed.atom", f"/g/{group}/mbox",
        f"/g/{group}/mbox.gz", "/api/v1/groups",
        f"/api/v1/groups/{group}/threads", "/search/help", "/login",
        "/export/labels.csv", "/export/citations.csv", "/export/evidence.json",
        "/export/claimreview.jsonld", "/healthz", "/readyz", "/api/v1/docs",
        *(url for thread in rows["threads"] for url in (
            f"/t/{thread}/", f"/t/{thread}/?view=flat", f"/t/{thread}/feed.atom",
            f"/t/{thread}/mbox", f"/t/{thread}/mbox.gz",
            f"/api/v1/threads/{thread}")),
        *(url for permalink in rows["permalinks"] for url in (
            f"/p/{permalink}/", f"/p/{permalink}/as-posted.txt",
            f"/api/v1/posts/{permalink}")),
        *(f"/a/{slug}/" for slug in rows["authors"]),
        *(f"/citations/{citation}/" for citation in rows["citations"]),
        *_search_urls(),
    ]


def _search_urls() -> list[str]:
    """A search for the word next to each address: its snippet shows the address."""
    return [url for form in FORMS if form.where not in UNSEARCHED
            for url in _searches(form.word)]


UNSEARCHED = ("from", "message-id", "date", "skipped")


def _moderator_urls(rows) -> list[str]:
    return [
        "/mod/", "/mod/queue", "/mod/audit", "/imports/",
        *(f"/mod/p/{permalink}/" for permalink in rows["permalinks"]),
        *(f"/mod/a/{slug}/" for slug in rows["all_authors"]),
        *(f"/mod/labels/{label}/edit" for label in rows["labels"]),
        "/mod/queue?kind=proposal", "/mod/queue?kind=reference",
        *(f"/mod/queue/proposals/{proposal}" for proposal in rows["proposals"]),
    ]


@pytest.fixture(scope="module")
def walks(archive):
    """The walks of a reader (every page and the links they show), a moderator
    (moderation pages, the pages that change for moderators: threads, posts,
    searches, which may show them hidden posts) and an admin (moderation and
    admin pages, which add admin-only sections)."""
    rows = _rows(archive)
    done = {}
    staff = ("/mod/", "/imports/", "/admin/")
    for who in ("reader", "mask-mod", "mask-admin"):
        client = archive.test_client()
        if who != "reader":
            assert Auth(client).login(who).status_code == 302
        walk = Walk(archive, client)
        if who == "reader":
            walk.crawl(*_reader_urls(rows))
        elif who == "mask-mod":
            walk.crawl(*_moderator_urls(rows), *_search_urls(),
                       *(f"/t/{thread}/" for thread in rows["threads"]),
                       *(f"/p/{permalink}/" for permalink in rows["permalinks"]),
                       follow=staff)
        else:
            walk.crawl(*_moderator_urls(rows), "/admin/labels", follow=staff)
        done[who] = walk
    return done


def test_every_get_route_is_walked(archive, walks):
    """A new page must join the walk (or be allowed to show addresses)."""
    gets = {rule.endpoint for rule in archive.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint != "static"}
    walked = set().union(*(walk.endpoints for walk in walks.values()))
    assert gets - walked == set()


@pytest.mark.parametrize("who", ["reader", "mask-mod", "mask-admin"])
def test_no_address_is_readable_anywhere(walks, who):
    walk = walks[who]
    assert len(walk.pages) > 20
    walk.check()


@pytest.mark.parametrize("who", ["reader", "mask-mod"])
def test_the_words_next_to_the_addresses_are_still_there(archive, walks, who):
    walk = walks[who]
    rows = _rows(archive)
    threads = readable(" ".join(walk.pages[f"/t/{thread}/"]
                                for thread in rows["threads"]))
    missing = [word for word in WORDS if word.casefold() not in threads]
    assert missing == []
    for form in FORMS:
        if form.where in UNSEARCHED:
            continue
        word = form.word.casefold()
        page, feed, api, mbox, _packed = (walk.pages[url]
                                          for url in _searches(form.word))
        assert f"<mark>{word}</mark>" in readable(page), form.word
        assert word in readable(feed.partition("<entry>")[2]), form.word
        assert word in readable(json.dumps(json.loads(api)["results"])), form.word
        assert word in readable(mbox), form.word
    for prose in PROSE:
        assert prose.casefold() in threads, prose
    posts = readable(" ".join(walk.pages[f"/p/{permalink}/"]
                              for permalink in rows["permalinks"]))
    assert "sta...@mid-host.example.com" in posts  # a Message-ID, masked
    if who == "mask-mod":
        mod_posts = readable(" ".join(walk.pages[f"/mod/p/{permalink}/"]
                                      for permalink in rows["permalinks"]))
        assert [word for word in FLAG_WORDS if word not in mod_posts] == []


def test_hosts_stay_readable_so_a_reader_knows_where_a_post_came_from(walks):
    """Masking keeps the host (`car... at hosttwo dot com`), as archives do."""
    threads = readable("".join(page for url, page in walks["reader"].pages.items()
                               if url.startswith("/t/")))
    for form in _forms("body"):
        host = form.address.casefold().rpartition("@")[2].split(".")[0]
        assert host in threads, form.name
