"""Acting from the review queue: label, confirm or reject, hide, each in place.

Every action goes through the web routes as a moderator's browser sends it,
on the real seed thread (whose first post has 14 suggested citations), and
must come back to the queue with its filters and the moderator's place.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, func, select

from forum.extensions import db
from forum.models import AuditEntry, ClaimHint, Label, Post, PostCitation, QueueMark
from forum.permissions import MOD_VIEW, ROLE_PERMISSIONS
from forum.services.queue import QueueFilter, queue_items
from tests.evidence.conftest import csrf_token

pytestmark = pytest.mark.search_backend("whoosh-ram")
RDA = ("The magnesium helped almost immediately, and I then slowly increased the "
       "dose to about 225% the RDA (balanced with 100% calcium RDA).")
BACK = "/mod/queue?kind=claim&sort=age"
_ITEM = re.compile(r'<li class="hit" data-kind="(\w+)" id="item-(\d+)"')


@pytest.fixture
def signed_in(app, client, auth, seed_post, moderator):
    """mara on the queue, and the seed post (claim and citation items)."""
    auth.login("mara")
    return seed_post


def _send(auth, path: str, **data):
    return auth.post(path, data, token_from="/mod/queue")


def _flashed(client, response) -> str:
    """The page the redirect leads to, for the flashed message."""
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.get(response.location).get_data(as_text=True)


def _item(kind: str, post: Post):
    return next((i for i in queue_items(db.session, QueueFilter())
                 if i.kind == kind and i.post.id == post.id), None)


def _hint(post: Post, words: str) -> ClaimHint:
    return db.session.scalar(select(ClaimHint).where(
        ClaimHint.post_id == post.id, ClaimHint.text.contains(words)))


def _audit(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == action).order_by(AuditEntry.id)).all()


def _pending(post: Post) -> list[PostCitation]:
    return db.session.scalars(select(PostCitation).where(
        PostCitation.post_id == post.id, PostCitation.status == "suggested")
        .order_by(PostCitation.span_start, PostCitation.id)).all()


# -- labels ----------------------------------------------------------------------


def test_label_the_sentence_a_claim_hint_sits_in(app, client, auth, signed_in,
                                                  moderator):
    post = signed_in
    hint = _hint(post, "225% the RDA")
    page = client.get(BACK).get_data(as_text=True)
    assert f'<option value="{hint.id}">“{RDA}”</option>' in page
    response = _send(auth, "/mod/queue/label", one=post.permalink, span=str(hint.id),
                     kind="needs_source", rationale="Which trials?", back=BACK,
                     at="2")
    assert response.location.endswith(f"{BACK}#item-2")
    assert "Labelled &#39;Needs a source&#39;." in _flashed(client, response)
    label = db.session.scalar(select(Label))
    assert (label.post_id, label.exact, label.kind.key) == (post.id, RDA,
                                                            "needs_source")
    assert label.created_by_id == moderator.id
    (entry,) = _audit("label.create")
    assert (entry.actor_name, entry.post_id, entry.reason) == (
        "mara", post.id, "needs_source")
    assert _item("claim", post) is None          # labelled: out of the claims
    assert _item("citation", post) is not None   # its suggestions still wait


def test_label_the_whole_post_with_a_citation(app, client, auth, signed_in):
    post = signed_in
    response = _send(auth, "/mod/queue/label", one=post.permalink, span="post",
                     kind="limited_evidence", rationale="Small surveys only.",
                     citations="PMID 9068914\n", back=BACK, at="1")
    assert response.status_code == 302
    label = db.session.scalar(select(Label))
    assert label.exact is None and label.kind.key == "limited_evidence"
    assert [c.identifier for c in label.citations] == ["9068914"]
    attached = db.session.scalar(select(PostCitation).where(
        PostCitation.post_id == post.id, PostCitation.origin == "label"))
    assert attached.status == "confirmed"


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "needs_source", "rationale": " "}, "A rationale is required"),
    ({"kind": "no_such_kind", "rationale": "x"}, "There is no label"),
    ({"kind": "contradicted", "rationale": "x"}, "needs at least one citation"),
    ({"kind": "needs_source", "rationale": "x", "citations": "not an id"},
     "is not a PMID, PMCID, DOI"),
    ({"kind": "needs_source", "rationale": "x", "span": "seven"},
     "Choose what the label is about"),
    ({"kind": "needs_source", "rationale": "x", "span": ""},
     "Choose what the label is about"),
    ({"kind": "needs_source", "rationale": "x", "span": "999999"},
     "no longer marked in this post"),
    ({"kind": "needs_source", "rationale": "x", "one": "nosuchpost"},
     "There is no such message"),
], ids=["no rationale", "unknown kind", "needs a citation", "bad citation",
        "span not a number", "no span", "stale hint", "unknown post"])
def test_label_refusals_come_back_to_the_queue(app, client, auth, signed_in,
                                               fields, message):
    post = signed_in
    data = {"one": post.permalink, "span": "post", "back": BACK, "at": "3", **fields}
    response = _send(auth, "/mod/queue/label", **data)
    assert response.status_code == 302
    assert response.location.endswith(BACK) or response.location.endswith(
        f"{BACK}#item-3")
    page = _flashed(client, response)
    assert message.lower() in page.lower(), re.findall(r'class="flash"[^<]*', page)
    assert db.session.scalar(select(func.count(Label.id))) == 0
    assert _audit("label.create") == []


def test_a_hint_from_another_post_is_refused(app, client, auth, signed_in):
    post = signed_in
    reply = db.session.scalar(select(Post).where(Post.parent_id == post.id))
    hint = _hint(post, "225% the RDA")
    response = _send(auth, "/mod/queue/label", one=reply.permalink,
                     span=str(hint.id), kind="needs_source", rationale="x")
    assert "no longer marked in this post" in _flashed(client, response)
    assert db.session.scalar(select(func.count(Label.id))) == 0


# -- suggested citations -----------------------------------------------------------


def test_confirm_and_reject_suggestions_in_place(app, client, auth, signed_in):
    post = signed_in
    first, second, *_rest = _pending(post)
    page = client.get("/mod/queue?kind=citation").get_data(as_text=True)
    assert f'action="/mod/queue/suggestions/{first.id}/decide"' in page
    assert f'action="/mod/queue/suggestions/{second.id}/decide"' not in page
    assert "13 more after this one" in page                  # 14 shown as 1 + 13

    back = "/mod/queue?kind=citation"
    confirmed = _send(auth, f"/mod/queue/suggestions/{first.id}/decide",
                      decision="confirm", back=back, at="1")
    assert confirmed.location.endswith(f"{back}#item-1")
    label = f"{first.citation.kind.upper()} {first.citation.identifier}"
    assert f"Confirmed {label}." in _flashed(client, confirmed)
    rejected = _send(auth, f"/mod/queue/suggestions/{second.id}/decide",
                     decision="reject", back=back, at="1")
    assert rejected.status_code == 302
    db.session.expire_all()
    assert (first.status, second.status) == ("confirmed", "rejected")
    assert first.decided_by_id == second.decided_by_id is not None
    assert len(_pending(post)) == 12 and _item("citation", post).count == 12
    assert [(e.actor_name, e.target_id) for e in _audit("citation.confirm")] == [
        ("mara", first.id)]
    assert [(e.actor_name, e.target_id) for e in _audit("citation.reject")] == [
        ("mara", second.id)]


@pytest.mark.parametrize(("target", "decision", "message"), [
    ("decided", "reject", "That suggestion was confirmed already."),
    ("pending", "maybe", "Choose to confirm or to reject"),
    ("pending", "", "Choose to confirm or to reject"),
    ("missing", "confirm", "There is no such suggested citation."),
    ("attached", "confirm", "There is no such suggested citation."),
])
def test_decision_refusals_come_back_to_the_queue(app, client, auth, signed_in,
                                                  moderator, target, decision,
                                                  message):
    from forum.services.citations import attach_citation, decide_suggestion

    post = signed_in
    pending = _pending(post)
    decide_suggestion(db.session, moderator, pending[0], accept=True)
    attached = attach_citation(db.session, moderator, post, "doi:10.1000/182")
    db.session.commit()
    item_id = {"decided": pending[0].id, "pending": pending[1].id,
               "missing": 999999, "attached": attached.id}[target]
    before = len(db.session.scalars(select(AuditEntry)).all())
    response = _send(auth, f"/mod/queue/suggestions/{item_id}/decide",
                     decision=decision, back="/mod/queue?kind=citation")
    assert message in _flashed(client, response)
    db.session.expire_all()
    assert len(db.session.scalars(select(AuditEntry)).all()) == before
    assert len(_pending(post)) == 13


# -- hiding ------------------------------------------------------------------------


def test_hide_from_the_queue(app, client, auth, signed_in):
    post = signed_in
    response = _send(auth, "/mod/queue/hide", one=post.permalink, reason="spam",
                     why="an advert", back=BACK, at="1")
    assert response.location.endswith(f"{BACK}#item-1")
    assert "Hidden from readers." in _flashed(client, response)
    db.session.expire_all()
    assert post.is_hidden
    (entry,) = _audit("post.hide")
    assert (entry.actor_name, entry.post_id, entry.reason, entry.why) == (
        "mara", post.id, "spam", "an advert")
    assert _item("claim", post) is None and _item("citation", post) is None
    assert client.get(f"/mod/p/{post.permalink}/").status_code == 200
    auth.logout()
    assert client.get(f"/p/{post.permalink}/").status_code == 404


@pytest.mark.parametrize(("reason", "message"), [
    ("", "Choose a reason for hiding the post."),
    ("because", "Choose a reason for hiding the post."),
])
def test_hiding_needs_a_known_reason(app, client, auth, signed_in, reason,
                                     message):
    post = signed_in
    response = _send(auth, "/mod/queue/hide", one=post.permalink, reason=reason)
    assert message in _flashed(client, response)
    db.session.expire_all()
    assert not post.is_hidden and _audit("post.hide") == []


def test_hiding_twice_is_refused(app, client, auth, signed_in):
    post = signed_in
    _send(auth, "/mod/queue/hide", one=post.permalink, reason="spam")
    again = _send(auth, "/mod/queue/hide", one=post.permalink, reason="spam")
    assert "This post is already hidden." in _flashed(client, again)
    assert len(_audit("post.hide")) == 1


def test_after_hiding_the_next_item_has_the_place(app, client, auth, signed_in):
    """Hiding drops all of a post's claim and citation items, not only this one.

    The hide form's `at` is therefore the acted item's place minus the items
    of the same post before it: where the next post's item will be.
    """
    post = signed_in
    page = client.get("/mod/queue?sort=age").get_data(as_text=True)
    items = _items(page)
    seed = [i for i in items if i["open"].endswith(f"/{post.permalink}/")]
    assert [i["kind"] for i in seed] == ["claim", "citation"]
    claim, citation = seed
    assert claim["hide_at"] == claim["at"] and citation["hide_at"] == claim["at"]
    following = items[citation["at"]]      # the item after the citation item
    response = _send(auth, "/mod/queue/hide", one=post.permalink, reason="other",
                     back="/mod/queue?sort=age", at=str(citation["hide_at"]))
    anchor = response.location.rsplit("#item-", 1)[1]
    after = _items(_flashed(client, response))
    assert after[int(anchor) - 1]["open"] == following["open"]


def _items(page: str) -> list[dict]:
    """Each queue item's kind, place, post and the place its hide form sends."""
    found = []
    for block in page.split('<li class="hit"')[1:]:
        kind, at = _ITEM.search('<li class="hit"' + block).groups()
        opened = re.search(r'data-open="([^"]+)"', block).group(1)
        hide = re.search(r'action="/mod/queue/hide".*?name="at" value="(\d+)"',
                         block, re.S)
        found.append({"kind": kind, "at": int(at), "open": opened,
                      "hide_at": int(hide.group(1)) if hide else None})
    return found


# -- the page ----------------------------------------------------------------------


def test_the_page_costs_the_same_queries_for_more_items(app, client, auth,
                                                        signed_in, import_sources):
    """Suggestions, hints and claims load once per page, never once per item.

    The synthetic mailing list brings dozens more posts with claims and with
    suggested citations; the page must not need one more statement for them.
    """
    from tests.moderation.test_queue import SAMPLES

    pages = ("/mod/queue", "/mod/queue?kind=claim", "/mod/queue?kind=citation")
    few = [len(_items(client.get(url).get_data(as_text=True))) for url in pages]
    statements = [_statements(client, url) for url in pages]
    import_sources(SAMPLES / "health-forum-sample.mbox.gz", group="misc.health.sample")
    more = [len(_items(client.get(url).get_data(as_text=True))) for url in pages]
    assert all(after >= before + 10 for before, after in zip(few, more, strict=True))
    # The first page loses its one citation item to the claims (100 at most),
    # and with it the statement that loads suggestions: fewer, never more.
    for url, before in zip(pages, statements, strict=True):
        assert _statements(client, url) <= before, url


def _statements(client, url: str) -> int:
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_keys_are_documented_on_the_page(app, client, auth, signed_in):
    page = client.get("/mod/queue").get_data(as_text=True)
    for key in "jkyn lhdcxo":
        if key != " ":
            assert f"<kbd>{key}</kbd>" in page, key
    assert 'data-action="confirm"' in page and 'data-form="hide"' in page


# -- who may ---------------------------------------------------------------------

ACTIONS = [
    ("/mod/queue/label", {"one": "{permalink}", "span": "post",
                          "kind": "needs_source", "rationale": "Source?"}),
    ("/mod/queue/suggestions/{suggestion}/decide", {"decision": "confirm"}),
    ("/mod/queue/hide", {"one": "{permalink}", "reason": "spam"}),
    ("/mod/queue/claim", {"one": "{permalink}", "kind": "claim"}),
    ("/mod/queue/dismiss", {"one": "{permalink}", "kind": "claim",
                            "reason": "reviewed"}),
]
ACTION_IDS = ["label", "decide", "hide", "claim", "dismiss"]


def _state() -> tuple:
    """Everything an action here could change."""
    return tuple(db.session.scalar(select(func.count()).select_from(query)) for query
                 in (select(Label.id).subquery(),
                     select(PostCitation.id).where(
                         PostCitation.status != "suggested").subquery(),
                     select(Post.id).where(Post.is_hidden.is_(True)).subquery(),
                     select(QueueMark.id).subquery(),
                     select(AuditEntry.id).subquery()))


def _filled(data: dict, post: Post) -> dict:
    suggestion = _pending(post)[0].id
    return {k: v.format(permalink=post.permalink, suggestion=suggestion)
            for k, v in data.items()}


@pytest.mark.parametrize(("path", "data"), ACTIONS, ids=ACTION_IDS)
def test_each_action_changes_something_for_a_moderator(app, client, auth,
                                                       signed_in, path, data):
    post = signed_in
    url = path.format(suggestion=_pending(post)[0].id)
    before = _state()
    response = _send(auth, url, **_filled(data, post), back=BACK, at="2")
    assert response.status_code == 302
    assert response.location.endswith(f"{BACK}#item-2")
    db.session.expire_all()
    assert _state() != before


@pytest.mark.parametrize(("path", "data"), ACTIONS, ids=ACTION_IDS)
def test_anonymous_visitors_are_sent_to_sign_in(app, client, seed_post, path,
                                                data):
    url = path.format(suggestion=_pending(seed_post)[0].id)
    before = _state()
    response = client.post(url, data={**_filled(data, seed_post),
                                      "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and "/login?next=" in response.location
    assert _state() == before


@pytest.mark.parametrize(("path", "data"), ACTIONS, ids=ACTION_IDS)
def test_accounts_without_the_permission_get_403(app, client, auth, seed_post,
                                                 moderator, monkeypatch, path,
                                                 data):
    """A role that may look at the queue, or at nothing, but not act on it."""
    allowed = frozenset() if "claim" in path or "dismiss" in path else frozenset(
        {MOD_VIEW})
    monkeypatch.setitem(ROLE_PERMISSIONS, "moderator", allowed)
    auth.login("mara")
    url = path.format(suggestion=_pending(seed_post)[0].id)
    before = _state()
    response = client.post(url, data={**_filled(data, seed_post),
                                      "csrf_token": csrf_token(client)})
    assert response.status_code == 403
    assert _state() == before


@pytest.mark.parametrize(("path", "data"), ACTIONS, ids=ACTION_IDS)
def test_actions_need_a_csrf_token(app, client, auth, signed_in, path, data):
    post = signed_in
    url = path.format(suggestion=_pending(post)[0].id)
    before = _state()
    response = client.post(url, data=_filled(data, post))
    assert response.status_code == 400
    assert _state() == before


@pytest.mark.parametrize("back", ["//evil.example/mod/queue", "https://evil.example",
                                  "/mod/queue\\@evil.example", "/mod/queue#x",
                                  "/mod/queue\r\nSet-Cookie: x=1"])
def test_the_way_back_never_leaves_the_queue(app, client, auth, signed_in, back):
    post = signed_in
    response = _send(auth, "/mod/queue/hide", one=post.permalink, reason="spam",
                     back=back, at="4")
    assert response.status_code == 302
    assert response.location.endswith("/mod/queue#item-4")


def test_a_bad_place_is_ignored(app, client, auth, signed_in):
    post = signed_in
    response = _send(auth, "/mod/queue/hide", one=post.permalink, reason="spam",
                     back=BACK, at="<script>")
    assert response.location.endswith(BACK)
