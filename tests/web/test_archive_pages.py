"""The public pages: each renders, hides what is hidden, masks every address.

The import reports are not public: they quote raw input, so only moderators
reach them.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from forum import permissions
from forum.extensions import db
from forum.models import ImportProblemRecord, ImportRun
from forum.services.accounts import create_user
from tests.evidence.conftest import (  # noqa: F401 - a fixture, found by name
    PASSWORD,
    Auth,
    quick_password_hashing,
)
from tests.web.factories import START, unmasked_addresses


@pytest.fixture
def moderator_client(client, app):
    """`client` signed in as a moderator: the import reports need one."""
    create_user(db.session, "mara", PASSWORD, "moderator")
    db.session.commit()
    assert Auth(client).login("mara").status_code == 302
    return client


def page_urls(sample) -> list[str]:
    return [
        "/",
        f"/g/{sample.group.name}/",
        f"/g/{sample.group.name}/2000/10/",
        f"/t/{sample.thread.id}/",
        f"/t/{sample.thread.id}/?view=flat",
        f"/t/{sample.html_thread.id}/",
        f"/p/{sample.root.permalink}/",
        f"/p/{sample.reply.permalink}/",
        f"/p/{sample.orphan.permalink}/",
        f"/p/{sample.under_hidden.permalink}/",
        f"/p/{sample.html_post.permalink}/",
        f"/a/{sample.thai.slug}/",
        f"/a/{sample.ml.slug}/",
    ]


def test_every_page_renders_without_leaking(client, sample):
    for url in page_urls(sample):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert unmasked_addresses(html) == [], url
        assert "SECRET" not in html, url
        assert "<script>" not in html, url


def test_home_lists_groups_with_counts(client, sample):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/g/comp.lang.misc/"' in html
    assert "General discussion of languages." in html
    assert "2001-01-05 12:30 UTC" in html  # latest activity, absolute and in UTC


def test_group_lists_threads_by_last_activity(client, sample):
    html = client.get("/g/comp.lang.misc/").get_data(as_text=True)
    # The HTML-only thread is newer, so it comes first.
    assert html.index("HTML only") < html.index("Compiler crashes")
    assert f'href="/t/{sample.thread.id}/"' in html
    assert 'href="/g/comp.lang.misc/2000/10/"' in html
    assert 'href="/g/comp.lang.misc/2001/1/"' in html


def test_group_month_lists_threads_started_then(client, sample):
    html = client.get("/g/comp.lang.misc/2000/10/").get_data(as_text=True)
    assert "Threads started in October 2000" in html
    assert "Compiler crashes" in html
    assert "HTML only" not in html


def test_group_named_with_a_slash_is_reachable(client, create):
    # 20 Newsgroups crossposts to `soc/culture.iranian`: a typo, but a group.
    group = create.group("soc/culture.iranian")
    thread = create.thread("Crossposted")
    create.post(thread, [group], author=create.author(), date=START)
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert 'href="/g/soc/culture.iranian/"' in home
    html = client.get("/g/soc/culture.iranian/").get_data(as_text=True)
    assert "Crossposted" in html
    assert 'href="/g/soc/culture.iranian/2000/10/"' in html
    assert client.get("/g/soc/culture.iranian/2000/10/").status_code == 200
    threads = client.get("/api/v1/groups/soc/culture.iranian/threads").get_json()
    assert threads["group"] == "soc/culture.iranian" and threads["total"] == 1


@pytest.mark.parametrize("url", ["/g/nope/", "/g/comp.lang.misc/2000/13/",
                                 "/t/999999/", "/p/nope/", "/a/nope/"])
def test_unknown_things_are_404(client, sample, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "404" in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "", "99999999999"])
def test_bad_page_numbers_are_400(client, sample, page):
    response = client.get(f"/g/comp.lang.misc/?page={page}")
    assert response.status_code == 400
    assert "page" in response.get_data(as_text=True)


def test_page_past_the_end_is_404(client, sample):
    assert client.get("/g/comp.lang.misc/?page=2").status_code == 404
    assert client.get(f"/a/{sample.thai.slug}/?page=5").status_code == 404


def test_group_pagination(app, client, create):
    group = create.group("alt.many")
    author = create.author()
    for n in range(7):
        thread = create.thread(f"Topic number {n}")
        create.post(thread, [group], author=author, date=START + timedelta(days=n))
    db.session.commit()
    app.config["FORUM_PAGE_SIZE"] = 3
    first = client.get("/g/alt.many/").get_data(as_text=True)
    assert "Topic number 6" in first and "Topic number 3" not in first
    assert 'href="/g/alt.many/?page=2"' in first and 'rel="next"' in first
    last = client.get("/g/alt.many/?page=3").get_data(as_text=True)
    assert "Topic number 0" in last and "Topic number 1" not in last
    assert 'rel="prev"' in last and 'rel="next"' not in last


def test_thread_tree_shows_placeholders_and_depth(client, sample):
    html = client.get(f"/t/{sample.thread.id}/").get_data(as_text=True)
    assert "[message not in the archive]" in html  # the ghost
    # Hidden posts stay as placeholders (with or without replies), no permalink.
    assert html.count("[hidden post]") == 2
    assert f'id="p-{sample.under_hidden.permalink}"' in html
    assert "--depth: 2" in html
    assert html.index(sample.root.permalink) < html.index(sample.reply.permalink)
    assert sample.hidden.permalink not in html
    assert sample.hidden_leaf.permalink not in html
    assert f'class="placeholder" id="p-{sample.ghost.permalink}"' in html


def test_thread_flat_view_is_chronological_without_placeholders(client, sample):
    html = client.get(f"/t/{sample.thread.id}/?view=flat").get_data(as_text=True)
    order = [sample.root, sample.reply, sample.orphan, sample.under_hidden]
    positions = [html.index(f'id="p-{post.permalink}"') for post in order]
    assert positions == sorted(positions)
    assert 'class="placeholder"' not in html
    assert client.get(f"/t/{sample.thread.id}/?view=weird").status_code == 400


def test_thread_renders_bodies_with_folds_and_absolute_dates(client, sample):
    html = client.get(f"/t/{sample.thread.id}/").get_data(as_text=True)
    assert "John Smith &lt;jsm...@example.com&gt; wrote:" in html
    assert "<summary>4 quoted lines</summary>" in html
    assert "jsm... at example dot com" in html
    assert "<summary>signature</summary>" in html
    assert '<a href="http://www.example.com/bugs" rel="nofollow noopener ugc">' in html
    assert "2000-10-10 03:00 UTC" in html
    assert 'datetime="2000-10-10T03:00:00Z"' in html


def test_hidden_and_ghost_posts_have_no_permalink_page(client, sample):
    for post in (sample.hidden, sample.hidden_leaf, sample.ghost):
        assert client.get(f"/p/{post.permalink}/").status_code == 404


def test_thread_of_only_hidden_posts_is_404(client, create):
    group = create.group()
    thread = create.thread("SECRET spam")
    create.post(thread, [group], author=create.author(), hidden=True, date=START)
    db.session.commit()
    assert client.get(f"/t/{thread.id}/").status_code == 404
    assert "SECRET" not in client.get("/g/comp.lang.misc/").get_data(as_text=True)


def test_post_page_links_parent_replies_and_thread(client, sample):
    html = client.get(f"/p/{sample.reply.permalink}/").get_data(as_text=True)
    assert f'href="/p/{sample.root.permalink}/"' in html
    assert (f'href="/t/{sample.thread.id}/?post={sample.reply.permalink}'
            f'#p-{sample.reply.permalink}"') in html   # the page that holds it
    assert "No replies in the archive." in html  # its only reply is hidden
    root = client.get(f"/p/{sample.root.permalink}/").get_data(as_text=True)
    assert f'href="/p/{sample.reply.permalink}/"' in root
    assert "this message starts the thread" in root
    orphan = client.get(f"/p/{sample.orphan.permalink}/").get_data(as_text=True)
    assert "message not in the archive" in orphan


def test_html_only_post_is_sanitised(client, sample):
    html = client.get(f"/p/{sample.html_post.permalink}/").get_data(as_text=True)
    assert "<b>all</b>" in html
    assert "alert(1)" not in html
    assert "mailto:" not in html
    assert 'href="/g/alt.test/"' in html


def test_author_page_is_pseudonymous(client, sample):
    html = client.get(f"/a/{sample.ml.slug}/").get_data(as_text=True)
    assert "MLo...@PSFC.MIT.EDU" in html
    assert "1 message in the archive" in html  # the hidden ones are not counted
    assert sample.root.permalink in html


def test_author_with_only_hidden_posts_is_404(client, create):
    group, author = create.group(), create.author("Spammer", "spam@example.com")
    create.post(create.thread(), [group], author=author, hidden=True, date=START)
    db.session.commit()
    assert client.get(f"/a/{author.slug}/").status_code == 404


def test_unknown_import_run_is_404_for_a_moderator(moderator_client):
    response = moderator_client.get("/imports/999/")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_import_runs_are_listed_with_problems(moderator_client):
    client = moderator_client
    run = ImportRun(started_at=START, sources="/data/list.mbox", format="mbox",
                    status="finished", read=3, imported=1, quarantined=1, skipped=1)
    db.session.add(run)
    db.session.flush()
    db.session.add_all([
        ImportProblemRecord(run_id=run.id, kind="quarantined", source="list.mbox",
                            position="offset 10", reason="no headers",
                            excerpt="From: joe@example.org\nbroken"),
        ImportProblemRecord(run_id=run.id, kind="skipped", source="list.mbox",
                            position="offset 99", reason="X-No-Archive: yes",
                            excerpt="SECRET words of someone who opted out"),
    ])
    db.session.commit()
    listing = client.get("/imports/").get_data(as_text=True)
    assert f'href="/imports/{run.id}/"' in listing
    detail = client.get(f"/imports/{run.id}/")
    html = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert "no headers" in html and "X-No-Archive: yes" in html
    assert "SECRET" not in html and unmasked_addresses(html) == []


def test_empty_archive_pages(client, app):
    assert "It is empty so far" in client.get("/").get_data(as_text=True)


def test_empty_import_reports(moderator_client):
    html = moderator_client.get("/imports/").get_data(as_text=True)
    assert "No imports have been run yet" in html


def _run_with_a_quarantined_excerpt() -> ImportRun:
    run = ImportRun(started_at=START, sources="/data/list.mbox", format="mbox",
                    status="finished", read=1, imported=0, quarantined=1)
    db.session.add(run)
    db.session.flush()
    db.session.add(ImportProblemRecord(
        run_id=run.id, kind="quarantined", source="list.mbox", position="offset 0",
        reason="no headers", excerpt="RAW INPUT of a broken message"))
    db.session.commit()
    return run


@pytest.mark.parametrize("path", ["/imports/", "/imports/{run}/"])
def test_import_reports_send_anonymous_visitors_to_sign_in(client, app, path):
    url = path.format(run=_run_with_a_quarantined_excerpt().id)
    response = client.get(url)
    assert response.status_code == 302
    assert "/login?next=" in response.location
    assert "RAW INPUT" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/imports/", "/imports/{run}/"])
def test_import_reports_refuse_users_without_the_moderator_view(
        moderator_client, monkeypatch, path):
    # Every role there is holds MOD_VIEW; take it from the moderator to check
    # that the pages ask for the permission, not merely for a signed-in user.
    url = path.format(run=_run_with_a_quarantined_excerpt().id)
    monkeypatch.setitem(permissions.ROLE_PERMISSIONS, "moderator",
                        permissions.MODERATOR - {permissions.MOD_VIEW})
    response = moderator_client.get(url)
    assert response.status_code == 403
    assert "RAW INPUT" not in response.get_data(as_text=True)


def test_import_reports_are_linked_for_moderators_only(client, sample):
    for url in page_urls(sample):
        assert 'href="/imports/' not in client.get(url).get_data(as_text=True), url
    create_user(db.session, "mara", PASSWORD, "moderator")
    db.session.commit()
    Auth(client).login("mara")
    assert 'href="/imports/"' in client.get("/mod/").get_data(as_text=True)


def test_every_page_names_the_site_icon_and_the_icon_is_served(client, sample):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in page
    with client.get("/static/favicon.svg") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
        assert icon.get_data(as_text=True).startswith("<svg ")


def _crumbs(html: str) -> list[str]:
    trail = html.split('<nav class="crumbs" aria-label="Breadcrumb">', 1)[1]
    trail = trail.split("</nav>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split())
            for item in trail.split("<li>")[1:]]


def test_breadcrumbs_lead_from_the_archive_to_the_page(client, sample):
    thread = client.get(f"/t/{sample.thread.id}/").get_data(as_text=True)
    assert _crumbs(thread) == ["Archive", "comp.lang.misc", "Compiler crashes"]
    assert '<a href="/g/comp.lang.misc/">comp.lang.misc</a>' in thread
    post = client.get(f"/p/{sample.reply.permalink}/").get_data(as_text=True)
    assert _crumbs(post)[:3] == ["Archive", "comp.lang.misc", "Thread"]
    assert 'aria-current="page">Re: Compiler crashes</span>' in post
    search = client.get("/search?q=compiler").get_data(as_text=True)
    assert _crumbs(search) == ["Archive", "Search"]
    group = client.get("/g/comp.lang.misc/").get_data(as_text=True)
    assert _crumbs(group) == ["Archive", "comp.lang.misc"]
