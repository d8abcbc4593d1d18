"""Moderator and admin pages say where you are, and their lists say how long they are.

Every page has breadcrumbs from the archive down and a <title> naming the
page and its section; every list says how many items it has and links to
its next page or to the whole list, never stopping silently at a limit.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Flag, ImportRun
from forum.services.audit import record, utcnow
from forum.services.evidence import label_post
from forum.services.queue_hints import record_claim_hints
from tests.web.factories import START, ArchiveFactory

pytestmark = pytest.mark.search_backend("whoosh-ram")


def _crumbs(page: str) -> list[str]:
    trail = re.search(r'<nav class="crumbs" aria-label="Breadcrumb">(.*?)</nav>',
                      page, re.S)
    assert trail, "no breadcrumbs"
    return re.findall(r">([^<>]+)</(?:a|span)>", trail.group(1))


def _title(page: str) -> str:
    return re.search(r"<title>(.*?) · ", page, re.S).group(1)


@pytest.fixture
def worked(app, seed_post, moderator, admin) -> dict:
    label = label_post(db.session, moderator, seed_post, "needs_source", "Which?")
    db.session.commit()
    return {"post": seed_post, "label": label.id, "slug": seed_post.author.slug,
            "run": db.session.scalar(select(ImportRun.id))}


PAGES = [
    ("mara", "/mod/", ["Archive", "Moderation"], "Dashboard — Moderation"),
    ("mara", "/mod/queue", ["Archive", "Moderation", "Review queue"],
     "Review queue — Moderation"),
    ("mara", "/mod/audit", ["Archive", "Moderation", "Audit log"],
     "Audit log — Moderation"),
    ("mara", "/mod/coverage", ["Archive", "Moderation", "Evidence coverage"],
     "Evidence coverage — Moderation"),
    ("mara", "/mod/p/{permalink}/",
     ["Archive", "Moderation", "Review queue", "{subject}"],
     "Moderate: {subject} — Moderation"),
    ("mara", "/mod/labels/{label}/edit",
     ["Archive", "Moderation", "{subject}", "Revise label"],
     "Revise label: {subject} — Moderation"),
    ("mara", "/mod/queue/label?post={permalink}",
     ["Archive", "Moderation", "Review queue", "Label a post"],
     "Label: {subject} — Review queue — Moderation"),
    ("ada", "/mod/a/{slug}/", ["Archive", "Moderation", "Mark London"],
     "Moderate author: Mark London — Moderation"),
    ("mara", "/imports/", ["Archive", "Moderation", "Import runs"],
     "Import runs — Moderation"),
    ("mara", "/imports/{run}/", ["Archive", "Moderation", "Import runs", "Run #{run}"],
     "Import run #{run} — Moderation"),
    ("ada", "/admin/labels", ["Archive", "Moderation", "Label taxonomy"],
     "Label taxonomy — Admin"),
    (None, "/login", ["Archive", "Moderator sign-in"], "Moderator sign-in"),
]


@pytest.mark.parametrize(("who", "url", "trail", "title"), PAGES,
                         ids=[page[1] for page in PAGES])
def test_every_page_says_where_you_are(app, client, auth, worked, who, url, trail,
                                       title):
    post = worked["post"]
    fill = {"permalink": post.permalink, "label": worked["label"],
            "slug": worked["slug"], "run": worked["run"],
            "subject": "MUSCLE SPASMS MAY BE A MAGNESIUM DEFICIENCY."}
    if who:
        auth.login(who)
    response = client.get(url.format(**fill))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _crumbs(page) == [step.format(**fill) for step in trail]
    assert _title(page) == title.format(**fill)


# -- lists say how long they are ----------------------------------------------------


def test_the_audit_log_pages_through_every_entry(app, client, auth, moderator):
    for n in range(120):
        record(db.session, moderator, "label.create", target_type="label",
               target_id=n + 1, reason="needs_source")
    db.session.commit()
    auth.login("mara")
    first = client.get("/mod/audit?actor=mara").get_data(as_text=True)
    assert "<strong>120</strong> entries, 1&ndash;50 on this page." in first
    assert first.count('<nav class="pager"') == 2
    assert re.search(r'<a href="([^"]+)" rel="next">', first).group(1) == (
        "/mod/audit?page=2&amp;actor=mara")
    last = client.get("/mod/audit?actor=mara&page=3").get_data(as_text=True)
    assert "101&ndash;120 on this page." in last
    assert len(re.findall(r'<tr id="audit-', last)) == 20
    assert "label #1 " in last.replace("</td>", " ")      # the oldest entry
    assert _title(last) == "Audit log, page 3 — Moderation"
    assert client.get("/mod/audit?actor=mara&page=4").status_code == 404

    dashboard = client.get("/mod/").get_data(as_text=True)
    assert len(re.findall(r'<tr id="audit-', dashboard)) == 15
    assert "The latest 15 of 121:" in dashboard     # and making mara
    assert 'href="/mod/audit">the whole audit log' in dashboard


def test_coverage_and_flags_link_to_every_row(app, client, auth, moderator):
    create = ArchiveFactory(db.session)
    posts = []
    for n in range(12):
        group = create.group(f"misc.health.part{n:02d}")
        thread = create.thread(f"Dose {n}")
        posts.append(create.post(thread, [group], date=START + timedelta(days=n),
                                 body="I take 300 mg of magnesium a day.\n"))
    record_claim_hints(db.session, [post.id for post in posts])
    for post in posts:
        db.session.add(Flag(post_id=post.id, reason="spam", client="c" * 32,
                            created_at=utcnow(), status="pending"))
    db.session.commit()
    auth.login("mara")
    dashboard = client.get("/mod/").get_data(as_text=True)
    coverage = dashboard.split('id="coverage"')[1].split("</table>")[0]
    assert coverage.count("<tr><td>") == 10
    assert "The 10 groups with most claims of 12:" in dashboard
    assert 'href="/mod/coverage">every group' in dashboard
    flagged = dashboard.split('id="flagged"')[1].split("</table>")[0]
    assert flagged.count("<tr>") == 11                       # a head and 10 rows
    assert "Flagged by readers (12)" in dashboard
    assert "The 10 with most flags of 12:" in dashboard
    assert 'href="/mod/queue?kind=flag">every flagged post' in dashboard

    every = client.get("/mod/coverage").get_data(as_text=True)
    assert "<strong>12</strong> groups." in every
    assert all(f"misc.health.part{n:02d}" in every for n in range(12))
    assert client.get("/mod/coverage?page=2").status_code == 404


def test_import_runs_and_label_kinds_are_counted(app, client, auth, worked):
    auth.login("ada")
    runs = client.get("/imports/").get_data(as_text=True)
    assert "<strong>1</strong> import run." in runs
    kinds = client.get("/admin/labels").get_data(as_text=True)
    assert re.search(r"<strong>\d+</strong> label kinds, \d+ in use; all on this "
                     r"page\.", kinds)


def test_an_unfiltered_empty_audit_log_says_nothing_yet(app, client, auth):
    from forum.services.accounts import create_user
    from tests.evidence.conftest import PASSWORD

    create_user(db.session, "mara", PASSWORD, "moderator")
    db.session.commit()
    auth.login("mara")
    page = client.get("/mod/audit?action=label.create").get_data(as_text=True)
    assert "Nothing yet: no action matches." in page
    assert "<strong>0</strong> entries." in page
