"""The review queue a page at a time: every item reachable, light, without JavaScript.

120 posts with a dose in them make 120 claim items: three pages of 50.
Their dates run one day apart, so both orders are known in advance.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import ClaimHint, Flag, Post, QueueMark
from forum.services.audit import utcnow
from forum.services.queue import QueueFilter, queue_page
from forum.services.queue_hints import record_claim_hints
from tests.web.factories import START, ArchiveFactory

pytestmark = pytest.mark.search_backend("null")
CLAIM = ("After a week on it I now take 300 mg of magnesium a day with food, and "
         "2 x 500 mg of calcium at night, which a recent study found to help.\n")
_ITEM = re.compile(r'<li class="hit" data-kind="(\w+)" id="item-(\d+)"')


def _archive(count: int, body: str = CLAIM, subject: str = "Magnesium dose",
             groups: tuple[str, ...] = ("sci.med.nutrition", "misc.health"),
             ) -> list[Post]:
    """`count` posts a day apart, shared out between `groups`, their hints recorded.

    Permalinks are as long as real ones (32 characters), so page weights
    measured here are those of a real archive.
    """
    create = ArchiveFactory(db.session)
    made = [create.group(name) for name in groups]
    author = create.author()
    posts = []
    for n in range(count):
        thread = create.thread(f"{subject} {n}")
        post = create.post(thread, [made[n % len(made)]], author=author,
                           date=START + timedelta(days=n), body=body)
        post.permalink = hashlib.sha1(post.message_id.encode()).hexdigest()[:32]
        posts.append(post)
    record_claim_hints(db.session, [post.id for post in posts])
    db.session.commit()
    return posts


@pytest.fixture
def claims(app, moderator, taxonomy) -> list[Post]:
    return _archive(120)


def _ids(page) -> list[int]:
    return [item.post.id for item in page.items]


@pytest.mark.parametrize("sort", ["priority", "age"])
def test_every_item_is_on_one_page_and_page_three_holds_the_last(app, claims, sort):
    filters = QueueFilter(kind="claim", sort=sort)
    pages = [queue_page(db.session, filters, n) for n in (1, 2, 3)]
    assert [len(p.items) for p in pages] == [50, 50, 20]
    assert {p.total for p in pages} == {120} and pages[0].pages == 3
    # Equal counts of hints: oldest first in both orders.
    assert sum((_ids(p) for p in pages), []) == [post.id for post in claims]
    assert _ids(pages[2]) == [post.id for post in claims[100:]]
    past_the_end = queue_page(db.session, filters, 9)
    assert past_the_end.page == 3 and _ids(past_the_end) == _ids(pages[2])


def test_priority_puts_flags_first_then_more_hints(app, claims):
    busy = claims[-1]
    db.session.add(Flag(post_id=claims[60].id, reason="spam", client="c" * 32,
                        created_at=utcnow(), status="pending"))
    db.session.add(ClaimHint(post_id=busy.id, rule="cure", start=0, end=5,
                             text="cures"))
    db.session.commit()
    first = queue_page(db.session, QueueFilter(), 1)
    assert first.total == 121
    assert [(i.kind, i.post.id) for i in first.items[:2]] == [
        ("flag", claims[60].id), ("claim", busy.id)]
    last = queue_page(db.session, QueueFilter(), 3)
    assert len(last.items) == 21 and last.items[-1].post.id == claims[-2].id


def test_filters_count_what_they_list(app, claims):
    in_group = QueueFilter(kind="claim", group="misc.health")
    page = queue_page(db.session, in_group, 1)
    assert page.total == 60 and len(page.items) == 50
    assert all(item.groups == ["misc.health"] for item in page.items)
    assert len(queue_page(db.session, in_group, 2).items) == 10
    since = QueueFilter(since=(START + timedelta(days=110)).date())
    assert queue_page(db.session, since, 1).total == 10


# -- the page --------------------------------------------------------------------


def test_the_pager_reaches_every_page_and_keeps_the_filters(app, client, auth,
                                                             claims):
    auth.login("mara")
    first = client.get("/mod/queue?kind=claim&sort=age").get_data(as_text=True)
    assert "<strong>120</strong> items, 1&ndash;50 on this page." in first
    assert first.count('<nav class="pager"') == 2      # above and below the list
    after = re.search(r'<a href="([^"]+)" rel="next">', first).group(1)
    assert after == "/mod/queue?page=2&amp;kind=claim&amp;sort=age"
    assert "<title>Review queue: health claim, no label yet — Moderation" in first

    last = client.get("/mod/queue?kind=claim&sort=age&page=3").get_data(as_text=True)
    assert "101&ndash;120 on this page." in last
    assert len(_ITEM.findall(last)) == 20
    assert claims[-1].permalink in last and claims[99].permalink not in last
    before = re.search(r'<a href="([^"]+)" rel="prev">', last).group(1)
    assert before == "/mod/queue?page=2&amp;kind=claim&amp;sort=age"
    assert 'rel="next"' not in last
    assert "page 3 — Moderation" in re.search(r"<title>(.*?)</title>", last).group(1)

    beyond = client.get("/mod/queue?kind=claim&sort=age&page=4")
    assert beyond.status_code == 302
    assert beyond.location == "/mod/queue?page=3&kind=claim&sort=age"
    assert client.get("/mod/queue?page=0").status_code == 400


def test_an_item_shows_its_group_its_date_and_its_claim_marked(app, client, auth,
                                                               claims):
    auth.login("mara")
    page = client.get("/mod/queue?sort=age").get_data(as_text=True)
    first = page.split('<li class="hit"')[1].split("</li>")[0]
    assert "sci.med.nutrition" in first and START.strftime("%Y-%m-%d") in first
    excerpt = re.search(r'<p class="snippet">(.*?)</p>', first).group(1)
    assert "<mark>300 mg</mark>" in excerpt and "<mark>500 mg</mark>" in excerpt
    assert "<mark>a recent study found</mark>" in excerpt
    assert len(re.sub(r"<[^>]+>", "", excerpt)) < 200   # an excerpt, not the body


def test_crumbs_say_where_the_queue_is(app, client, auth, claims):
    auth.login("mara")
    page = client.get("/mod/queue?page=2").get_data(as_text=True)
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', page, re.S).group(0)
    assert re.findall(r">([^<>]+)</(?:a|span)>", crumbs) == [
        "Archive", "Moderation", "Review queue"]
    assert "<title>Review queue, page 2 — Moderation" in page


# -- weight and working without JavaScript ----------------------------------------

# Long claim sentences, six to a post (the queue offers three to label).
HEAVY = "".join(
    f"Claim {n}: the trial we read found that {300 + n} mg of magnesium a day, "
    f"taken for {n + 2} weeks with 2 x 500 mg of calcium, helped the cramps of "
    f"most people in it, or so it said.\n\n" for n in range(6))


def test_a_page_of_fifty_heavy_items_weighs_under_150_kb(app, client, auth,
                                                        moderator, taxonomy):
    """Long claims, long subjects and addresses, flags: the weight of a
    page of a 100,000-post archive (bench/queue_page.py measures those)."""
    posts = _archive(60, body=HEAVY * 3, subject="Magnesium and calcium for cramps",
                     groups=("alt.support.fibromyalgia",))
    for post in posts[:20]:
        db.session.add(Flag(post_id=post.id, reason="spam", client="c" * 32,
                            created_at=utcnow(), status="pending"))
    db.session.commit()
    auth.login("mara")
    for url in ("/mod/queue", "/mod/queue?kind=claim", "/mod/queue?sort=age"):
        body = client.get(url).get_data()
        assert len(_ITEM.findall(body.decode())) == 50, url
        assert len(body) < 150_000, (url, len(body))


class _Forms(HTMLParser):
    """Each button of the queue with the form it sends and whether it has one."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict] = {}
        self.open: dict | None = None
        self.buttons: list[tuple[dict, dict | None]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.open = attrs
            if "id" in attrs:
                self.forms[attrs["id"]] = attrs
        elif tag == "button":
            self.buttons.append((attrs, self.open))

    def handle_endtag(self, tag):
        if tag == "form":
            self.open = None


def test_every_action_is_a_plain_form(app, client, auth, claims, seed_post):
    """Without the script every button still sends a form to an action of its own."""
    auth.login("mara")
    page = client.get("/mod/queue?kind=claim").get_data(as_text=True)
    forms = _Forms()
    forms.feed(page)
    sent = set()
    for button, around in forms.buttons:
        form = forms.forms.get(button.get("form")) or around
        assert form is not None, button
        action = button.get("formaction") or form.get("action", "")
        sent.add((form.get("method", "get"), action.split("?")[0]))
    assert sent >= {("post", "/mod/queue/dismiss"), ("post", "/mod/queue/claim"),
                    ("post", "/mod/queue/hide"), ("get", "/mod/queue/label")}
    assert '<script src="/static/queue-keys.js" defer></script>' in page
    assert "onclick" not in page


# -- acting from a later page ------------------------------------------------------


def test_acting_on_page_three_comes_back_to_page_three(app, client, auth, claims):
    auth.login("mara")
    back = "/mod/queue?kind=claim&page=3"
    page = client.get(back).get_data(as_text=True)
    assert 'formaction="/mod/queue/dismiss?at=20"' in page
    target = claims[-1]
    done = auth.post("/mod/queue/dismiss?at=20",
                     {"one": target.permalink, "kind": "claim", "back": back,
                      "at": "1", "reason": "no claim"}, token_from=back)
    assert done.location == f"{back}#item-20"
    assert db.session.scalar(select(QueueMark.state).where(
        QueueMark.post_id == target.id)) == "dismissed"
    assert len(_ITEM.findall(client.get(back).get_data(as_text=True))) == 19


def test_when_the_last_page_empties_the_queue_shows_the_page_before(app, client,
                                                                    auth, claims,
                                                                    moderator):
    from forum.services.queue_actions import dismiss_items

    dismiss_items(db.session, moderator, claims[:19], "claim", "tidy")
    db.session.commit()
    auth.login("mara")
    back = "/mod/queue?kind=claim&page=3"
    assert len(_ITEM.findall(client.get(back).get_data(as_text=True))) == 1
    auth.post("/mod/queue/dismiss", {"one": claims[-1].permalink, "kind": "claim",
                                     "reason": "tidy", "back": back}, token_from=back)
    again = client.get(back)
    assert again.status_code == 302
    assert again.location == "/mod/queue?page=2&kind=claim"
    assert "Dismissed 1 item." in client.get(again.location).get_data(as_text=True)


# -- the label page ----------------------------------------------------------------


def test_label_from_a_later_page_and_come_back_to_it(app, client, auth, claims):
    from forum.models import Label

    auth.login("mara")
    post = claims[-1]
    hint = db.session.scalar(select(ClaimHint).where(
        ClaimHint.post_id == post.id, ClaimHint.rule == "dosage").order_by(
        ClaimHint.start))
    queue = client.get("/mod/queue?kind=claim&page=3").get_data(as_text=True)
    assert f'<option value="{hint.id}">' in queue
    url = (f"/mod/queue/label?post={post.permalink}&back=%2Fmod%2Fqueue%3Fkind%3D"
           f"claim%26page%3D3&at=20&span={hint.id}")
    form = client.get(url).get_data(as_text=True)
    assert f'<option value="{hint.id}" selected>' in form
    assert 'name="kind" required autofocus' in form
    assert 'href="/mod/queue?kind=claim&amp;page=3#item-20">Back to the queue' in form
    assert "<mark>300 mg</mark>" in form
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', form, re.S).group(0)
    assert 'href="/mod/queue?kind=claim&amp;page=3">Review queue' in crumbs
    done = auth.post("/mod/queue/label", {
        "one": post.permalink, "span": str(hint.id), "kind": "needs_source",
        "rationale": "Which trial?", "back": "/mod/queue?kind=claim&page=3",
        "at": "20"}, token_from=url)
    assert done.location == "/mod/queue?kind=claim&page=3#item-20"
    assert db.session.scalar(select(Label.post_id)) == post.id


def test_the_label_page_is_for_moderators(app, client, auth, claims):
    url = f"/mod/queue/label?post={claims[0].permalink}"
    assert client.get(url).status_code == 302          # sign in first
    auth.login("mara")
    assert client.get("/mod/queue/label?post=nosuchpost").status_code == 404
    off_site = client.get(url + "&back=//evil.example&at=2").get_data(as_text=True)
    assert 'href="/mod/queue#item-2">Back to the queue' in off_site
