"""Whatever a client sends, it gets a status line and the server keeps serving:
overlong lines, binary bytes, unknown commands, bad ranges and Message-IDs,
a failing command (403, the trace only in the log), an idle connection."""

from __future__ import annotations

import time

import pytest

from forum.services import nntp_articles
from forum.services.mbox_export import message_id_for
from tests.nntp.conftest import RawClient, run_server

pytestmark = pytest.mark.search_backend("null")


def still_serving(raw: RawClient) -> bool:
    return raw.command("DATE").startswith(b"111 ")


def test_an_overlong_line_is_refused_and_the_connection_goes_on(raw):
    assert raw.send(b"LIST " + b"x" * 600 + b"\r\n").startswith(b"501 ")
    assert raw.send(b"x" * 511 + b"\n").startswith(b"500 ")  # 512 with LF: fits
    assert raw.send(b"x" * 512 + b"\n").startswith(b"501 ")
    assert still_serving(raw)


def test_a_line_that_never_ends_closes_the_connection(raw, news_server):
    raw.file.write(b"A" * 200_000)
    raw.file.flush()
    replies = raw.file.read()  # the server hangs up after a bounded read
    assert replies in (b"", b"501 Line too long\r\n")
    other = RawClient(news_server)
    assert still_serving(other)
    other.close()


@pytest.mark.parametrize("garbage", [b"\xff\xfe\x80\r\n", b"GROUP \x00\x01\r\n",
                                     b"\x00\r\n", b"ARTICLE \xc3\r\n"])
def test_binary_bytes_get_501(raw, garbage):
    assert raw.send(garbage).startswith(b"501 ")
    assert still_serving(raw)


# Each row is one connection's next command and the status it must get; one
# server and sample serve the whole table (a test per row took a minute).
MISTAKES = [
    ("FROBNICATE", b"500 "), ("", b"500 "), ("AUTHINFO USER me", b"500 "),
    ("MODE STREAM", b"501 "), ("GROUP", b"501 "), ("GROUP a b", b"501 "),
    ("GROUP no.such.group", b"411 "), ("LIST FROBS", b"501 "),
    ("ARTICLE 1", b"412 "), ("OVER", b"412 "), ("NEXT", b"412 "),
    ("LISTGROUP", b"412 "), ("HDR", b"501 "),
    ("NEWNEWS * 2000 000000", b"501 "), ("NEWGROUPS 20001301 000000", b"501 "),
    ("NEWGROUPS 20000101 000000 EST", b"501 "),
    ("ARTICLE <not a message id>", b"501 "), ("ARTICLE <x@archive.invalid>", b"430 "),
    ("STAT <abc@example.com>", b"430 "), ("POST", b"440 "), ("IHAVE <a@b>", b"435 "),
]
BAD_RANGES = [
    ("OVER x-y", b"501 "), ("OVER 1-2-3", b"501 "), ("OVER -5", b"501 "),
    ("OVER 12345678901234567", b"501 "), ("OVER 10-5", b"423 "),
    ("OVER 999999-", b"423 "), ("XOVER 9999999999999999", b"423 "),
    ("LISTGROUP comp.lang.misc 5-x", b"501 "), ("HDR Subject x", b"501 "),
    ("ARTICLE 99999", b"423 "), ("ARTICLE 1x", b"501 "), ("ARTICLE -1", b"501 "),
    ("BODY 12345678901234567", b"501 "), ("STAT 9999999999999999", b"423 "),
    ("HDR :bytes 9999999999999999-", b"423 "), ("ARTICLE ²", b"501 "),
    ("STAT ٥", b"501 "), ("OVER ٥-", b"501 "), ("STAT 0", b"423 "),
    ("ARTICLE 0", b"423 "), ("OVER 0", b"423 "),
]


def answers(raw: RawClient, table: list[tuple[str, bytes]],
            before: str | None = None) -> dict[str, bytes]:
    """The rows of `table` answered otherwise, with what the server said."""
    wrong = {}
    for line, status in table:
        if before:
            raw.command(before)
        got = raw.command(line)
        if not got.startswith(status) or not still_serving(raw):
            wrong[line] = got
    return wrong


def test_each_mistake_gets_its_status(raw):
    assert answers(raw, MISTAKES) == {}


def test_bad_ranges_and_numbers(raw):
    assert answers(raw, BAD_RANGES, before="GROUP comp.lang.misc") == {}


def test_a_hidden_posts_stand_in_id_is_unknown(raw, sample):
    for post in (sample.hidden, sample.hidden_leaf, sample.ghost):
        stand_in = message_id_for(post.permalink)
        for command in ("ARTICLE", "HEAD", "BODY", "STAT", "OVER"):
            assert raw.command(f"{command} {stand_in}").startswith(b"430 ")
        assert raw.command(f"HDR Subject {stand_in}").startswith(b"430 ")


def test_an_original_message_id_is_never_looked_up(raw, sample):
    assert raw.command(f"ARTICLE <{sample.reply.message_id}>").startswith(b"430 ")


def test_a_failing_command_answers_403_without_its_trace(raw, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(nntp_articles, "group_infos", broken)
    status = raw.command("LIST")
    assert status.startswith(b"403 ")
    assert raw.file.read() == b""  # and the connection is closed
    assert b"fire" not in status and b"Traceback" not in status
    assert "database on fire" in caplog.text


def test_a_body_line_starting_with_a_dot_is_dot_stuffed(raw, create, sample):
    from forum.extensions import db

    post = create.post(sample.html_thread, [sample.group], author=sample.thai,
                       date=sample.root.date, body=".\n..two\n.end\n")
    db.session.commit()
    assert raw.command(f"BODY <{post.permalink}@archive.invalid>").startswith(
        b"222 0 ")
    assert raw.data() == [b"..\r\n", b"...two\r\n", b"..end\r\n"]


def test_an_idle_connection_is_closed(app, sample):
    for address in run_server(idle_timeout=0.5):
        client = RawClient(address)
        assert client.greeting.startswith(b"201 ")
        assert client.file.readline().startswith(b"400 ")
        assert client.file.readline() == b""
        client.close()


def test_connections_past_the_limit_are_told_to_come_back(app, sample):
    for address in run_server(idle_timeout=30, max_connections=1):
        first = RawClient(address)
        second = RawClient(address)
        assert first.greeting.startswith(b"201 ")
        assert second.greeting.startswith(b"400 ")
        assert second.file.readline() == b""
        second.close()
        assert first.command("QUIT").startswith(b"205 ")
        first.close()
        for _ in range(50):  # the slot is freed once the thread has ended
            third = RawClient(address)
            greeted = third.greeting.startswith(b"201 ")
            third.close()
            if greeted:
                break
            time.sleep(0.1)
        assert greeted


def test_quit_says_goodbye_and_closes(raw):
    assert raw.command("QUIT").startswith(b"205 ")
    assert raw.file.readline() == b""
