"""Who may reach what: every moderator and admin route for every role.

Anonymous readers are sent to sign in (302 to /login) and nothing changes;
moderators are refused admin routes (403); every state-changing route
refuses a request without a CSRF token (400), whoever sends it.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Flag, Post
from forum.services.audit import utcnow
from forum.services.citations import attach_citation, citation_for, read_identifier
from forum.services.evidence import label_post, withdraw_label
from forum.services.moderation import hide_post
from forum.services.takedowns import redact_post
from tests.evidence.conftest import csrf_token

# Search in memory: these tests import small archives many times over.
pytestmark = pytest.mark.search_backend("whoosh-ram")

ROLES = ("anonymous", "moderator", "admin")
OK, LOGIN, FORBIDDEN = "ok", "login", 403
# (method, path template, form data, expected per role: anonymous, moderator, admin)
ROUTES = [
    ("GET", "/mod/", {}, (LOGIN, OK, OK)),
    ("GET", "/mod/p/{permalink}/", {}, (LOGIN, OK, OK)),
    ("GET", "/mod/labels/{label}/edit", {}, (LOGIN, OK, OK)),
    ("GET", "/mod/audit", {}, (LOGIN, OK, OK)),
    ("GET", "/mod/queue", {}, (LOGIN, OK, OK)),
    ("GET", "/admin/labels", {}, (LOGIN, FORBIDDEN, OK)),
    ("POST", "/mod/p/{permalink}/labels",
     {"kind": "personal_experience", "rationale": "An anecdote.", "scope": "post"},
     (LOGIN, OK, OK)),
    ("POST", "/mod/labels/{label}/edit",
     {"kind": "needs_source", "rationale": "Which study?", "why": "clearer"},
     (LOGIN, OK, OK)),
    ("POST", "/mod/labels/{label}/withdraw", {"why": "mistake"}, (LOGIN, OK, OK)),
    ("POST", "/mod/labels/{withdrawn}/restore", {"why": "undo"}, (LOGIN, OK, OK)),
    ("POST", "/mod/p/{permalink}/citations", {"identifier": "PMID 8988330"},
     (LOGIN, OK, OK)),
    ("POST", "/mod/post-citations/{suggestion}/decide", {"decision": "confirm"},
     (LOGIN, OK, OK)),
    ("POST", "/mod/post-citations/{attached}/detach", {"why": "wrong paper"},
     (LOGIN, OK, OK)),
    ("POST", "/mod/p/{permalink}/scan", {}, (LOGIN, OK, OK)),
    ("POST", "/mod/citations/{citation}/metadata", {}, (LOGIN, OK, OK)),
    ("POST", "/mod/p/{permalink}/hide", {"reason": "spam", "why": "ad"},
     (LOGIN, OK, OK)),
    ("POST", "/mod/p/{hidden}/restore", {"why": "not spam"}, (LOGIN, OK, OK)),
    ("POST", "/mod/flags/{flag}/resolve", {"outcome": "agreed"}, (LOGIN, OK, OK)),
    ("POST", "/mod/queue/claim", {"one": "{permalink}", "kind": "citation"},
     (LOGIN, OK, OK)),
    ("POST", "/mod/queue/dismiss", {"post": "{permalink}", "kind": "claim",
                                    "reason": "reviewed"}, (LOGIN, OK, OK)),
    ("GET", "/imports/", {}, (LOGIN, OK, OK)),
    ("POST", "/mod/queue/label", {"one": "{permalink}", "span": "post",
                                  "kind": "personal_experience",
                                  "rationale": "An anecdote."}, (LOGIN, OK, OK)),
    ("POST", "/mod/queue/suggestions/{suggestion}/decide", {"decision": "reject"},
     (LOGIN, OK, OK)),
    ("POST", "/mod/queue/hide", {"one": "{permalink}", "reason": "spam"},
     (LOGIN, OK, OK)),
    ("GET", "/mod/a/{author}/", {}, (LOGIN, OK, OK)),
    ("POST", "/mod/p/{permalink}/redact", {"removed": "neurologists",
                                           "reason": "other"}, (LOGIN, OK, OK)),
    ("POST", "/mod/changes/{change}/revert", {"why": "undo"}, (LOGIN, OK, OK)),
    ("POST", "/mod/a/{author}/pseudonymise", {"reason": "author_request"},
     (LOGIN, OK, OK)),
    ("POST", "/mod/p/{permalink}/purge", {"reason": "legal",
                                          "confirm": "{permalink}"},
     (LOGIN, FORBIDDEN, OK)),
    ("POST", "/admin/labels/unsupported",
     {"display_name": "Unsupported", "definition": "No good evidence.",
      "severity": "caution", "is_active": "on"}, (LOGIN, FORBIDDEN, OK)),
]


@pytest.fixture
def world(app, seed_post, moderator, admin):
    """A post with a label, a withdrawn label, a suggestion and an attachment."""
    label = label_post(db.session, moderator, seed_post, "needs_source", "Source?")
    withdrawn = label_post(db.session, moderator, seed_post, "off_topic", "No.")
    withdraw_label(db.session, moderator, withdrawn, "it is on topic")
    attached = attach_citation(db.session, moderator, seed_post, "doi:10.1000/182")
    from forum.models import PostCitation

    suggestion = db.session.scalar(select(PostCitation).where(
        PostCitation.status == "suggested").limit(1))
    citation = citation_for(db.session, read_identifier("PMID 9068914"))
    reply = db.session.scalar(select(Post).where(Post.parent_id == seed_post.id))
    hide_post(db.session, moderator, reply, "spam")
    flag = Flag(post_id=seed_post.id, reason="spam", client="c" * 32,
                created_at=utcnow(), status="pending")
    db.session.add(flag)
    change = redact_post(db.session, moderator, seed_post, "Mark London", "other")
    db.session.commit()
    return SimpleNamespace(permalink=seed_post.permalink, label=label.id,
                           author=seed_post.author.slug, change=change.id,
                           withdrawn=withdrawn.id, attached=attached.id,
                           suggestion=suggestion.id, citation=citation.id,
                           hidden=reply.permalink, flag=flag.id)


def _sign_in(client, auth, role: str) -> None:
    if role != "anonymous":
        response = auth.login({"moderator": "mara", "admin": "ada"}[role])
        assert response.status_code == 302


def _audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)))


@pytest.mark.parametrize("role_index", range(3), ids=ROLES)
@pytest.mark.parametrize(("method", "path", "data", "expected"), ROUTES,
                         ids=[f"{m} {p}" for m, p, _d, _e in ROUTES])
def test_access_table(app, client, auth, world, method, path, data, expected,
                      role_index):
    role, want = ROLES[role_index], expected[role_index]
    _sign_in(client, auth, role)
    url = path.format(**vars(world))
    before = _audit_count()
    if method == "GET":
        response = client.get(url)
    else:
        token = csrf_token(client, "/login")
        filled = {k: v.format(**vars(world)) for k, v in data.items()}
        response = client.post(url, data={**filled, "csrf_token": token})
    if want == LOGIN:
        assert response.status_code == 302
        assert "/login?next=" in response.location
    elif want == FORBIDDEN:
        assert response.status_code == 403
    else:
        assert response.status_code in ((200,) if method == "GET" else (302,)), (
            response.status_code, response.get_data(as_text=True)[:2000])
    db.session.expire_all()
    if method == "POST" and want != OK:
        assert _audit_count() == before, "a refused request changed something"


@pytest.mark.parametrize(("method", "path", "data", "expected"),
                         [r for r in ROUTES if r[0] == "POST"] +
                         [("POST", "/logout", {}, None),
                          ("POST", "/login", {"name": "ada"}, None)],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_every_form_refuses_a_missing_csrf_token(app, client, auth, world, method,
                                                 path, data, expected):
    _sign_in(client, auth, "admin")
    before = _audit_count()
    response = client.post(path.format(**vars(world)), data=data)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _audit_count() == before
