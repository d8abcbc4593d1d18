"""The archive read through Python's nntplib over a real socket: the groups,
their counts and overviews, articles by number and by Message-ID, with
hidden posts absent, redactions applied and addresses masked."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.services.accounts import create_user
from forum.services.mbox_export import ID_DOMAIN, message_id_for
from forum.services.takedowns import redact_post
from tests.evidence.conftest import PASSWORD
from tests.nntp.conftest import nntplib_module
from tests.web.factories import unmasked_addresses

pytestmark = pytest.mark.search_backend("null")
ADDRESSES = ("thai@sympatico.ca", "mlondon@psfc.mit.edu", "jsmith@example.com")


def visible(sample) -> list:
    """comp.lang.misc's visible posts, in number (id) order."""
    posts = [sample.root, sample.reply, sample.orphan, sample.under_hidden,
             sample.html_post]
    return sorted(posts, key=lambda p: p.id)


def hidden(sample) -> list:
    return [sample.hidden, sample.hidden_leaf, sample.ghost]


def raw_article(newsreader, number_or_id) -> bytes:
    """An article as sent, CRLF line ends (nntplib undoes the dot-stuffing)."""
    _, info = newsreader.article(number_or_id)
    return b"".join(line + b"\r\n" for line in info.lines)


def test_the_greeting_says_posting_is_prohibited(newsreader):
    assert newsreader.getwelcome().startswith("201 ")
    capabilities = newsreader.getcapabilities()
    assert "READER" in capabilities and "POST" not in capabilities
    assert "OVER" in capabilities


def test_groups_count_only_visible_posts(newsreader, sample):
    _, groups = newsreader.list()
    by_name = {g.group: g for g in groups}
    assert set(by_name) == {"comp.lang.misc", "alt.test"}
    numbers = [p.id for p in visible(sample)]
    assert by_name["comp.lang.misc"].first == str(min(numbers))
    assert by_name["comp.lang.misc"].last == str(max(numbers))
    assert by_name["comp.lang.misc"].flag == "n"
    _, count, first, last, name = newsreader.group("comp.lang.misc")
    assert (count, first, last, name) == (5, min(numbers), max(numbers),
                                          "comp.lang.misc")
    assert newsreader.group("alt.test")[1:4] == (1, sample.html_post.id,
                                                 sample.html_post.id)
    _, described = newsreader.descriptions("comp.*")
    assert described == {"comp.lang.misc": "General discussion of languages."}


def test_overview_lists_visible_posts_with_their_exact_sizes(newsreader, sample):
    _, _, first, last, _ = newsreader.group("comp.lang.misc")
    _, overviews = newsreader.over((first, last))
    assert [n for n, _ in overviews] == [p.id for p in visible(sample)]
    for number, fields in overviews:
        article = raw_article(newsreader, number)
        assert int(fields[":bytes"]) == len(article)
        assert int(fields[":lines"]) == len(article.split(b"\r\n\r\n", 1)[1]
                                            .split(b"\r\n")) - 1
        assert "SECRET" not in fields["subject"]
    by_number = dict(overviews)
    reply = by_number[sample.reply.id]
    assert reply["message-id"] == message_id_for(sample.reply.permalink)
    assert reply["references"] == message_id_for(sample.root.permalink)
    assert reply["from"] == "Thai Nguyen <t...@sympatico.ca>"
    assert newsreader.xover(first, last)[1] == overviews


def test_an_article_by_number_and_by_message_id_is_the_same(newsreader, sample):
    newsreader.group("comp.lang.misc")
    reply = sample.reply
    by_number = raw_article(newsreader, reply.id)
    stand_in = message_id_for(reply.permalink)
    assert raw_article(newsreader, stand_in) == by_number
    _, info = newsreader.article(reply.id)
    assert (info.number, info.message_id) == (reply.id, stand_in)
    head = by_number.split(b"\r\n\r\n", 1)[0].decode()
    assert f"Message-ID: {stand_in}" in head
    assert "Newsgroups: comp.lang.misc" in head
    assert f"Xref: archive.invalid comp.lang.misc:{reply.id}" in head
    assert "Subject: Re: Compiler crashes" in head
    _, body = newsreader.body(reply.id)
    assert b"> Has anyone tried the new compiler?" in body.lines
    _, headers = newsreader.head(stand_in)
    assert headers.lines == by_number.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    assert newsreader.stat(reply.id)[1:] == (reply.id, stand_in)


def test_a_cross_posted_article_names_both_groups(newsreader, sample):
    newsreader.group("alt.test")
    head = raw_article(newsreader, sample.html_post.id).split(b"\r\n\r\n")[0]
    assert b"Newsgroups: alt.test,comp.lang.misc" in head.split(b"\r\n")
    assert (f"Xref: archive.invalid alt.test:{sample.html_post.id} "
            f"comp.lang.misc:{sample.html_post.id}").encode() in head


def test_hidden_posts_and_ghosts_are_absent_everywhere(newsreader, sample):
    nntplib = nntplib_module()
    newsreader.group("comp.lang.misc")
    for post in hidden(sample):
        with pytest.raises(nntplib.NNTPTemporaryError, match="^423"):
            newsreader.article(post.id)
        with pytest.raises(nntplib.NNTPTemporaryError, match="^430"):
            newsreader.article(message_id_for(post.permalink))
        with pytest.raises(nntplib.NNTPTemporaryError, match="^423"):
            newsreader.over((post.id, post.id))
    _, listed = newsreader.newnews("comp.lang.misc", sample.root.date)
    assert sorted(listed) == sorted(message_id_for(p.permalink)
                                    for p in visible(sample))
    _, subjects = newsreader.xhdr("Subject", f"1-{sample.html_post.id}")
    assert [int(n) for n, _ in subjects] == [p.id for p in visible(sample)]
    assert not any("SECRET" in s for _, s in subjects)


def test_listgroup_next_and_last_step_over_hidden_posts(raw, sample):
    status = raw.command("LISTGROUP comp.lang.misc")
    assert status.startswith(b"211 5 ")
    assert [int(n) for n in raw.data()] == [p.id for p in visible(sample)]
    assert raw.command(f"STAT {sample.under_hidden.id}").startswith(b"223 ")
    # Ids run root, reply, ghost, orphan, hidden, under_hidden, hidden_leaf...
    assert raw.command("LAST").split()[1] == str(sample.orphan.id).encode()
    assert raw.command("NEXT").split()[1] == str(sample.under_hidden.id).encode()
    assert raw.command("NEXT").split()[1] == str(sample.html_post.id).encode()
    assert raw.command("NEXT").startswith(b"421 ")


def test_a_redaction_is_applied_and_no_address_is_served(newsreader, sample):
    moderator = create_user(db.session, "mara", PASSWORD, "moderator")
    redact_post(db.session, moderator, sample.root, "new compiler", "other",
                thread_wide=True)
    db.session.commit()
    served = b""
    for group in ("comp.lang.misc", "alt.test"):
        _, _, first, last, _ = newsreader.group(group)
        for number, _ in newsreader.over((first, last))[1]:
            served += raw_article(newsreader, number)
    text = served.decode("utf-8")
    assert "new compiler" not in text and "[redacted]" in text
    assert "SECRET" not in text
    assert [a for a in unmasked_addresses(text)
            if not a.endswith("@" + ID_DOMAIN)] == []
    assert not any(address in text.casefold() for address in ADDRESSES)
    assert "t...@sympatico.ca" in text


def test_posting_is_refused(newsreader):
    nntplib = nntplib_module()
    with pytest.raises(nntplib.NNTPTemporaryError, match="^440"):
        newsreader.post(b"From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n")
    with pytest.raises(nntplib.NNTPTemporaryError, match="^435"):
        newsreader.ihave("<x@y.example>", b"Subject: hi\r\n\r\nhello\r\n")


def test_overviews_are_read_in_batches_and_kept_unchanged(monkeypatch, newsreader):
    from forum.services import nntp_articles, nntp_overview

    _, _, first, last, _ = newsreader.group("comp.lang.misc")
    whole = newsreader.over((first, last))[1]
    nntp_overview.forget_all()
    monkeypatch.setattr(nntp_articles, "BATCH", 2)
    assert newsreader.over((first, last))[1] == whole  # rendered again, 2 a batch
    assert newsreader.over((first, last))[1] == whole  # kept


def test_a_warmed_server_serves_the_same_overviews(app, sample):
    from forum.services import nntp_overview
    from tests.nntp.conftest import run_server

    served = {}
    for warm in (False, True):
        for address in run_server(idle_timeout=30, warm=warm):
            if warm:  # each visible post rendered once, cross-posted or not
                assert len(nntp_overview._kept.items) == len(visible(sample))
            client = nntplib_module().NNTP(address.host, address.port, timeout=30)
            _, _, first, last, _ = client.group("comp.lang.misc")
            served[warm] = client.over((first, last))[1]
            client.quit()
    assert served[True] == served[False]
