"""Each post keeps the name its own From gave; the author keeps the first one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from forum.extensions import db
from forum.models import Author, Post
from forum.services.posting import Archiver
from importers.base import IncomingMessage


def message(mid, name, email="aepan@example.org", **kw) -> IncomingMessage:
    return IncomingMessage(
        source="test", position=mid, message_id=mid, subject="Magnesium",
        author_name=name, author_email=email, date=datetime(2000, 10, 16, 10),
        groups=["misc.names"], body_text=kw.pop("body", f"text of {mid}"), **kw)


def archive(*messages) -> None:
    archiver = Archiver(db.session)
    archiver.archive(list(messages))
    archiver.finish()
    db.session.commit()


def names() -> dict[str, str | None]:
    return dict(db.session.execute(select(Post.message_id, Post.author_name)
                                   .where(Post.is_ghost.is_(False))).all())


def test_posts_of_one_address_keep_their_own_names(app):
    archive(message("a@x", "Alexander Epaneshnikov"),
            message("b@x", "александр епанешников"),
            message("c@x", "", email="bob.lister@example.net"),
            message("d@x", "", email=None))
    assert names() == {"a@x": "Alexander Epaneshnikov", "b@x": "александр епанешников",
                       "c@x": "bob...@example.net", "d@x": "Unknown"}
    author = db.session.scalar(select(Author).where(
        Author.email == "aepan@example.org"))
    assert author.name == "Alexander Epaneshnikov"  # the first post's name
    assert author.post_count == 2


def test_a_filled_ghost_and_a_healed_copy_take_the_new_copys_name(app):
    archive(message("reply@x", "Bob", email="bob@example.net", in_reply_to="root@x"),
            message("cut@x", "Sasha", truncated="the file ends mid-message",
                    body="text cut"))
    assert names() == {"reply@x": "Bob", "cut@x": "Sasha"}
    archive(message("root@x", "александр епанешников"),
            message("cut@x", "Alexander Epaneshnikov", body="text cut, then whole"))
    assert names() == {"reply@x": "Bob", "root@x": "александр епанешников",
                       "cut@x": "Alexander Epaneshnikov"}
