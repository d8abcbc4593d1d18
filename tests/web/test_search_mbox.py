"""A search's matches as an mbox download (public-inbox's `?x=m`): only what
the search finds and a reader may see, scoped as the search was."""

from __future__ import annotations

import gzip
import mailbox
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from forum.extensions import db
from forum.models import Post
from forum.services import search as search_service
from forum.services.accounts import create_user
from forum.services.mbox_export import ID_DOMAIN, message_id_for
from forum.services.takedowns import redact_post
from tests.evidence.conftest import PASSWORD
from tests.web.factories import unmasked_addresses


@pytest.fixture
def posts(create) -> dict[str, Post]:
    health = create.group("alt.support.fibromyalgia")
    other = create.group("misc.health")
    ml = create.author("MLondon@PSFC.MIT.EDU", "MLondon@PSFC.MIT.EDU")
    jane = create.author("Jane Roe", "jane.roe@example.org")
    thread = create.thread("Magnesium and muscle pain")
    root = create.post(thread, [health], author=ml, date=datetime(2000, 10, 10),
                       body="Has anyone tried magnesium malate? Mail me at "
                            "MLondon@PSFC.MIT.EDU\n")
    reply = create.post(thread, [health], parent=root, author=jane,
                        date=datetime(2000, 10, 11),
                        body="Yes: magnesium eased my cramps within a week.\n")
    hidden = create.post(thread, [health], parent=root, author=jane, hidden=True,
                         date=datetime(2000, 10, 12),
                         body="SECRET magnesium dosage from a hidden post\n")
    cramps = create.thread("Cramps at night")
    later = create.post(cramps, [health, other], author=jane,
                        date=datetime(2003, 2, 1),
                        body="Night cramps again; someone said magnesium helps.\n")
    unrelated = create.post(cramps, [other], parent=later, author=ml,
                            date=datetime(2003, 2, 2), body="Try stretching.\n")
    db.session.commit()
    return {"root": root, "reply": reply, "hidden": hidden, "later": later,
            "unrelated": unrelated}


def _messages(data: bytes, tmp_path) -> list:
    path = tmp_path / "download.mbox"
    path.write_bytes(data)
    box = mailbox.mbox(path, create=False)
    try:
        return list(box)
    finally:
        box.close()


def _ids(messages) -> set[str]:
    return {message["Message-ID"] for message in messages}


def test_the_matches_are_the_download(client, posts, tmp_path):
    response = client.get("/search/mbox?q=magnesium")
    assert response.status_code == 200
    assert response.mimetype == "application/mbox"
    assert 'filename="search-magnesium.mbox"' in response.headers[
        "Content-Disposition"]
    messages = _messages(response.data, tmp_path)
    assert _ids(messages) == {message_id_for(posts[name].permalink)
                              for name in ("root", "reply", "later")}
    text = response.get_data(as_text=True)
    assert "SECRET" not in text
    assert [a for a in unmasked_addresses(text)
            if not a.endswith("@" + ID_DOMAIN)] == []


def test_a_scoped_search_downloads_its_scope(client, posts, tmp_path):
    messages = _messages(
        client.get("/search/mbox?q=magnesium&group=misc.health").data, tmp_path)
    assert _ids(messages) == {message_id_for(posts["later"].permalink)}
    thread = posts["root"].thread_id
    messages = _messages(
        client.get(f"/search/mbox?q=magnesium&thread={thread}").data, tmp_path)
    assert len(messages) == 2


def test_a_post_hidden_after_indexing_stays_out(client, posts, tmp_path):
    """The index may lag a moderator: the download checks visibility itself."""
    db.session.execute(update(Post).where(Post.id == posts["reply"].id)
                       .values(is_hidden=True)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    messages = _messages(client.get("/search/mbox?q=magnesium").data, tmp_path)
    assert message_id_for(posts["reply"].permalink) not in _ids(messages)
    assert len(messages) == 2


def test_redactions_apply(client, posts):
    moderator = create_user(db.session, "mara", PASSWORD, "moderator")
    redact_post(db.session, moderator, posts["reply"], "eased my cramps", "other")
    db.session.commit()
    text = client.get("/search/mbox?q=magnesium").get_data(as_text=True)
    assert "eased my cramps" not in text
    assert "[redacted]" in text


def test_the_gzip_variant_holds_the_same_bytes(client, posts):
    plain = client.get("/search/mbox?q=magnesium&sort=date").data
    packed = client.get("/search/mbox.gz?q=magnesium&sort=date")
    assert packed.mimetype == "application/gzip"
    assert 'filename="search-magnesium.mbox.gz"' in packed.headers[
        "Content-Disposition"]
    assert gzip.decompress(packed.data) == plain


@pytest.mark.parametrize(("url", "says"), [
    ("/search/mbox", "Add a query"),
    ("/search/mbox.gz?q=", "Add a query"),
    ("/search/mbox?q=is:flagged", "moderators"),
    ("/search/mbox?q=magnesium&thread=abc", "thread"),
])
def test_a_bad_request_says_what_is_wrong(client, posts, url, says):
    response = client.get(url)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert says in response.get_data(as_text=True)


def test_the_results_page_links_its_download(client, posts):
    page = client.get("/search?q=magnesium&sort=date").get_data(as_text=True)
    assert 'href="/search/mbox?q=magnesium&amp;sort=date"' in page
    assert 'href="/search/mbox.gz?q=magnesium&amp;sort=date"' in page
    empty = client.get("/search?q=zebrafish").get_data(as_text=True)
    assert "/search/mbox" not in empty


def test_matches_are_read_from_the_index_in_batches_up_to_the_limit(
        monkeypatch, create):
    group = create.group("misc.diary")
    author = create.author("Diarist", None)
    thread = create.thread("Symptom diary")
    made = [create.post(thread, [group], author=author, subject=f"Diary day {n}",
                        date=datetime(2001, 1, 1) + timedelta(days=n),
                        body=f"Diary entry number {n}.\n") for n in range(25)]
    db.session.commit()
    monkeypatch.setattr(search_service, "EXPORT_BATCH", 3)
    ids, total = search_service.matching_post_ids("diary", sort="oldest", limit=7)
    assert total == 25
    assert ids == [post.id for post in made[:7]]
    every, _ = search_service.matching_post_ids("diary", sort="date")
    assert every == [post.id for post in reversed(made)]


def test_a_long_match_list_is_read_a_slice_of_ids_per_query(monkeypatch, create):
    """Up to ten thousand matches: each batch's query names its own slice of
    ids, never the whole list; hidden ones drop out, the rest come in id order."""
    from sqlalchemy import event

    from forum.services import mbox_export

    group, author = create.group("misc.diary"), create.author("Diarist", None)
    thread = create.thread("Symptom diary")
    made = [create.post(thread, [group], author=author, hidden=n in (3, 17),
                        date=datetime(2001, 1, 1) + timedelta(days=n),
                        body=f"Diary entry number {n}.\n") for n in range(25)]
    db.session.commit()
    monkeypatch.setattr(mbox_export, "FIRST_BATCH", 2)
    monkeypatch.setattr(mbox_export, "BATCH", 4)
    sizes: list[int] = []

    def count(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM posts" in statement and "posts.id IN" in statement:
            sizes.append(len(parameters))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        ids = [post.id for post in reversed(made)]
        messages = list(mbox_export.export_mbox(db.engine,
                                                mbox_export.posts_by_id(ids)))
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    wanted = [post.permalink for n, post in enumerate(made) if n not in (3, 17)]
    assert [next(line for line in m.decode().splitlines()
                 if line.startswith("Message-ID:")) for m in messages] == \
        [f"Message-ID: {message_id_for(permalink)}" for permalink in wanted]
    assert len(sizes) == 7 and max(sizes) < 10
