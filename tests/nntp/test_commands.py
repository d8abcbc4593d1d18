"""The reader commands a newsreader meets first, over a raw socket."""

from __future__ import annotations

import re
import time

import pytest

from forum.services.mbox_export import message_id_for

pytestmark = pytest.mark.search_backend("null")


def test_listings_take_wildmats(raw, sample):
    raw.command("LIST ACTIVE comp.*")
    assert [line.split()[0] for line in raw.data()] == [b"comp.lang.misc"]
    raw.command("LIST ACTIVE *,!comp.*")
    assert raw.data() == [f"alt.test {sample.html_post.id} "
                          f"{sample.html_post.id} n\r\n".encode()]
    raw.command("LIST NEWSGROUPS")
    assert raw.data() == [b"alt.test\t\r\n",
                          b"comp.lang.misc\tGeneral discussion of languages.\r\n"]
    assert raw.command("LIST OVERVIEW.FMT").startswith(b"215 ")
    assert raw.data() == [b"Subject:\r\n", b"From:\r\n", b"Date:\r\n",
                          b"Message-ID:\r\n", b"References:\r\n", b":bytes\r\n",
                          b":lines\r\n"]


def test_over_and_hdr_by_message_id_and_current_article(raw, sample):
    stand_in = message_id_for(sample.reply.permalink)
    assert raw.command(f"OVER {stand_in}").startswith(b"224 ")
    (line,) = raw.data()
    assert line.startswith(b"0\tRe: Compiler crashes\t")
    raw.command("GROUP comp.lang.misc")
    raw.command(f"STAT {sample.reply.id}")
    assert raw.command("XOVER").startswith(b"224 ")
    assert raw.data()[0].split(b"\t")[1:] == line.split(b"\t")[1:]
    assert raw.command(f"HDR From {stand_in}").startswith(b"225 ")
    assert raw.data() == [b"0 Thai Nguyen <t...@sympatico.ca>\r\n"]
    assert raw.command("HDR X-No-Such-Field").startswith(b"225 ")
    assert raw.data() == [f"{sample.reply.id} \r\n".encode()]


def test_news_since_a_date_and_the_clock(raw, sample):
    assert raw.command("NEWGROUPS 19990101 000000 GMT").startswith(b"231 ")
    assert sorted(line.split()[0] for line in raw.data()) == [b"alt.test",
                                                            b"comp.lang.misc"]
    assert raw.command("NEWGROUPS 20300101 000000").startswith(b"231 ")
    assert raw.data() == []
    assert raw.command("NEWNEWS alt.* 20010101 000000").startswith(b"230 ")
    assert raw.data() == [f"{message_id_for(sample.html_post.permalink)}\r\n"
                          .encode()]
    assert re.fullmatch(rb"111 \d{14}\r\n", raw.command("DATE"))


def test_help_capabilities_and_mode_reader(raw):
    assert raw.greeting.startswith(b"201 ")
    assert raw.command("mode reader").startswith(b"201 ")
    assert raw.command("HELP").startswith(b"100 ")
    assert b"OVER\r\n" in raw.data()
    assert raw.command("CAPABILITIES").startswith(b"101 ")
    capabilities = raw.data()
    assert capabilities[0] == b"VERSION 2\r\n"
    assert b"READER\r\n" in capabilities and b"OVER MSGID\r\n" in capabilities
    assert not any(c.startswith((b"POST", b"IHAVE")) for c in capabilities)


def test_hdr_reads_overview_fields_and_any_other(raw, sample):
    raw.command("GROUP alt.test")
    number = sample.html_post.id
    assert raw.command("XHDR message-id 1-").startswith(b"221 ")
    assert raw.data() == [f"{number} {message_id_for(sample.html_post.permalink)}"
                          "\r\n".encode()]
    assert raw.command("HDR Newsgroups 1-").startswith(b"225 ")
    assert raw.data() == [f"{number} alt.test,comp.lang.misc\r\n".encode()]
    raw.command(f"OVER {number}")
    size = raw.data()[0].split(b"\t")[6]
    raw.command("HDR :bytes")
    assert raw.data() == [f"{number} ".encode() + size + b"\r\n"]


def test_a_connection_gives_its_database_connection_back(app, news_server, sample):
    from forum.extensions import db
    from tests.nntp.conftest import RawClient

    db.session.remove()
    pool = db.engine.pool
    idle = pool.checkedout()
    clients = [RawClient(news_server) for _ in range(3)]
    for client in clients:
        assert client.command("GROUP comp.lang.misc").startswith(b"211 ")
    for client in clients:
        assert client.command("QUIT").startswith(b"205 ")
        assert client.file.readline() == b""
        client.close()
    for _ in range(50):  # each thread closes its session as it ends
        if pool.checkedout() == idle:
            break
        time.sleep(0.1)
    assert pool.checkedout() == idle
