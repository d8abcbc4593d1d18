"""An author takedown reaches every name their posts were signed with.

Each post shows the name of its own From (`posts.author_name`), so a takedown
replaces that name on the author's own posts (and an undo restores each), and
scrubs each of those names from the posts that quote them, as it does the
author's own name.  Posts imported while the takedown holds are signed with
the pseudonym from the start.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Author, FieldOriginal, Post
from forum.services.takedown_authors import pseudonymise_author
from forum.services.takedown_purge import purge_post
from forum.services.takedowns import revert_change
from tests.helpers import REPO

pytestmark = pytest.mark.search_backend("null")
NAMES = REPO / "tests" / "data" / "from-one-address-two-names.mbox"
CYRILLIC = "александр епанешников"
LATER = f"""From aepan@example.org Tue Oct 17 10:00:00 2000
From: Sasha Epaneshnikov <aepan@example.org>
Subject: Re: Magnesium at night
Date: Tue, 17 Oct 2000 10:00:00 +0000
Message-ID: <fifth@names.example>
In-Reply-To: <fourth@names.example>
Content-Type: text/plain; charset=utf-8

{CYRILLIC} again: still sleeping well.
"""


def _post(mid: str) -> Post:
    return db.session.scalar(select(Post).where(Post.message_id == mid))


def _names() -> dict[str, str | None]:
    db.session.expire_all()
    return dict(db.session.execute(select(Post.message_id, Post.author_name)
                                   .where(Post.is_ghost.is_(False))).all())


@pytest.fixture
def aepan(app, import_sources) -> Author:
    import_sources(NAMES, group="misc.names")
    db.session.commit()
    return db.session.scalar(select(Author).where(Author.email == "aepan@example.org"))


def _shown(client, post: Post) -> str:
    """What readers get of the post: its page, its thread, its feed, the API."""
    urls = (f"/p/{post.permalink}/", f"/t/{post.thread_id}/",
            f"/t/{post.thread_id}/feed.atom", f"/api/v1/posts/{post.permalink}",
            f"/api/v1/threads/{post.thread_id}", f"/a/{post.author.slug}/")
    return "".join(client.get(url).get_data(as_text=True) for url in urls)


def test_a_takedown_signs_the_authors_posts_with_the_pseudonym_until_undone(
        client, aepan, moderator, import_sources, tmp_path):
    before = _names()
    assert CYRILLIC in _post("fourth@names.example").body_text
    change = pseudonymise_author(db.session, moderator, aepan, "author_request")
    db.session.commit()
    pseudonym = change.replacement
    assert change.removed["signed"] == [CYRILLIC]
    assert _names() == {**before, "first@names.example": pseudonym,
                        "third@names.example": pseudonym}
    assert CYRILLIC not in _post("fourth@names.example").body_text
    assert f"{pseudonym} wrote:" in _post("fourth@names.example").body_text
    shown = _shown(client, _post("third@names.example"))
    assert pseudonym in shown
    assert "Epaneshnikov" not in shown and "епанешников" not in shown

    later = tmp_path / "later.mbox"
    later.write_text(LATER, encoding="utf-8")
    import_sources(later, group="misc.names")
    db.session.commit()
    fifth = _post("fifth@names.example")
    assert fifth.author_name == pseudonym and CYRILLIC not in fifth.body_text

    revert_change(db.session, moderator, change, "asked to be named again")
    db.session.commit()
    assert _names() == {**before, "fifth@names.example": "Sasha Epaneshnikov"}
    assert CYRILLIC in _shown(client, _post("third@names.example"))
    assert CYRILLIC in _post("fourth@names.example").body_text
    assert db.session.scalar(select(FieldOriginal).where(
        FieldOriginal.column == "author_name")) is None


def test_a_purge_erases_the_posts_own_name(aepan, admin):
    third = _post("third@names.example")
    purge_post(db.session, admin, third, "author_request")
    db.session.commit()
    assert _names()["third@names.example"] is None
