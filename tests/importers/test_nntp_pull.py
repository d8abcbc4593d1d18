"""Pulling groups from a real news server (a throwaway inn2: tests/newsserver.py)."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from contextlib import closing, suppress

import pytest

from importers.base import ImportProblem, IncomingMessage
from importers.nntp import (
    NewsPuller,
    NewsURL,
    PullFailed,
    article_position,
    parse_news_url,
)
from importers.nntp_client import NNTPConnection, NNTPError
from importers.parsing import parse_message
from tests import newsserver
from tests.newsserver import (
    PASSWORD,
    USER,
    broken_article,
    news_server,
    sample_articles,
)

GROUP, OTHER, RESUME, GONE, LATE, PRIVATE = (
    "local.test", "local.other", "local.resume", "local.gone", "local.late",
    "private.test")


@pytest.fixture(scope="module")
def server():
    with news_server((GROUP, OTHER, RESUME, GONE, LATE), private=(PRIVATE,)) as news:
        news.articles = sample_articles(200, GROUP) + [broken_article(GROUP)]
        news.ids = news.feed(news.articles)
        news.feed(sample_articles(10, OTHER, start=200))
        news.feed(sample_articles(3, PRIVATE, start=210))
        yield news


def pull(url: str, **options) -> list[IncomingMessage | ImportProblem]:
    with NewsPuller(url, **options) as puller:
        return list(puller)


def numbers(items) -> list[int]:
    return [article_position(item.position)[1] for item in items]


# -- pulling ---------------------------------------------------------------------------


@pytest.mark.parametrize("options", [{}, {"batch_size": 7, "depth": 3},
                                     {"batch_size": 1, "depth": 1}])
def test_a_pull_yields_every_article_of_the_group_in_order(server, options):
    items = pull(server.url(GROUP), **options)
    assert all(isinstance(item, IncomingMessage) for item in items)
    assert [item.message_id for item in items] == server.ids
    assert numbers(items) == list(range(1, len(server.ids) + 1))


def test_pulled_articles_read_like_the_source_files(server):
    items = pull(server.url(GROUP))
    for item, article in zip(items, server.articles, strict=True):
        original = parse_message(article, "sample", "file", newsgroups=True)
        assert (item.body_text, item.subject, item.author_email, item.date) == (
            original.body_text, original.subject, original.author_email,
            original.date)
        assert item.groups == [GROUP]
        assert item.source == f"nntp://127.0.0.1:{server.port}/{GROUP}"


def test_dot_stuffed_lines_and_8bit_bytes_survive_the_wire(server):
    broken = pull(server.url(GROUP))[-1]
    assert broken.message_id == "broken.1@example.invalid"
    assert broken.body_text == "Grüße aus Köln\n.leading dot line\n..two dots\n"
    assert broken.author_name == "Jörg"


def test_the_plan_gives_each_groups_range_and_remaining_count(server):
    with NewsPuller(server.url(GROUP, OTHER), after={GROUP: 150}) as puller:
        plans = puller.plan()
    assert [(p.group, p.low, p.high, p.count_estimate, p.start_after, p.missing)
            for p in plans] == [(GROUP, 1, 201, 51, 150, False),
                                (OTHER, 1, 10, 10, 0, False)]


def test_resume_fetches_only_what_was_posted_since(server):
    server.feed(sample_articles(20, RESUME, start=300))
    first = pull(server.url(RESUME))
    assert numbers(first) == list(range(1, 21))
    new_ids = server.feed(sample_articles(5, RESUME, start=320))
    again = pull(server.url(RESUME), after={RESUME: max(numbers(first))})
    assert [item.message_id for item in again] == new_ids
    assert numbers(again) == [21, 22, 23, 24, 25]
    assert pull(server.url(RESUME), after={RESUME: 25}) == []


def test_a_missing_group_is_one_problem_and_the_others_still_pull(server):
    items = pull(server.url("no.such.group", OTHER))
    problems = [item for item in items if isinstance(item, ImportProblem)]
    assert len(problems) == 1
    assert problems[0].kind == "error"
    assert "no.such.group" in problems[0].reason
    assert problems[0].source.endswith("/no.such.group")
    assert len(items) == 11
    with NewsPuller(server.url("no.such.group")) as puller:
        assert puller.plan()[0].missing


def test_a_cancelled_article_is_not_listed(server):
    ids = server.feed(sample_articles(3, GONE, start=400))
    server.cancel(ids[1])
    items = pull(server.url(GONE))
    assert [item.message_id for item in items] == [ids[0], ids[2]]
    assert numbers(items) == [1, 3]


def test_an_article_gone_since_the_overview_was_read_is_skipped(server,
                                                                 monkeypatch):
    ids = server.feed(sample_articles(3, LATE, start=410))
    over = NNTPConnection.over

    def over_then_cancel(conn, low, high):
        entries = over(conn, low, high)
        server.cancel(ids[1])  # as an expiry run between OVER and ARTICLE would
        return entries

    monkeypatch.setattr(NNTPConnection, "over", over_then_cancel)
    items = pull(server.url(LATE))
    assert [type(item).__name__ for item in items] == [
        "IncomingMessage", "ImportProblem", "IncomingMessage"]
    assert items[1].kind == "skipped"
    assert items[1].position == f"{LATE}:2"


# -- authentication --------------------------------------------------------------------


def test_authinfo_opens_a_group_readers_may_not_see(server):
    items = pull(server.url(PRIVATE), user=USER, password=PASSWORD)
    assert len(items) == 3


def test_a_wrong_password_or_none_is_a_clear_error(server):
    with pytest.raises(NNTPError, match="481"):
        pull(server.url(PRIVATE), user=USER, password="wrong")
    with pytest.raises(NNTPError, match="480"):
        pull(server.url(PRIVATE))


# -- dropped connections ---------------------------------------------------------------


class CuttingProxy:
    """A TCP relay to the news server that cuts its first `cuts` connections
    after `after_bytes` bytes from the server, as a flaky network would."""

    def __init__(self, port: int, after_bytes: int = 0, cuts: int = 1,
                 tls: ssl.SSLContext | None = None) -> None:
        self.upstream = ("127.0.0.1", port)
        self.after_bytes, self.cuts, self.tls = after_bytes, cuts, tls
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, *groups: str) -> str:
        return f"nntp://127.0.0.1:{self.port}/{','.join(groups)}"

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            limit = self.after_bytes if self.connections <= self.cuts else None
            if self.tls:
                try:
                    client = self.tls.wrap_socket(client, server_side=True)
                except OSError:  # the client refused our certificate
                    client.close()
                    continue
            server = socket.create_connection(self.upstream)
            threading.Thread(target=self._pump, args=(client, server, None),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, limit),
                             daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket, limit: int | None) -> None:
        sent = 0
        with suppress(OSError):
            while data := source.recv(65536):
                if limit is not None and sent + len(data) >= limit:
                    sink.sendall(data[:limit - sent])
                    break
                sink.sendall(data)
                sent += len(data)
        for sock in (source, sink):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@pytest.mark.parametrize("after_bytes", [100, 5_000, 150_000])
def test_a_dropped_connection_is_resumed_without_repeats(server, after_bytes):
    waits: list[float] = []
    with closing(CuttingProxy(server.port, after_bytes, cuts=2)) as proxy:
        with NewsPuller(proxy.url(GROUP), sleep=waits.append,
                        batch_size=50) as puller:
            items = list(puller)
        assert puller.reconnects == 2
    assert [item.message_id for item in items] == server.ids
    # 0.5 s, then 1 s, or 0.5 s again when an article came through in between.
    assert waits[0] == 0.5 and len(waits) == 2
    assert proxy.connections == 3


def test_back_off_doubles_then_gives_up(server):
    waits: list[float] = []
    with closing(CuttingProxy(server.port, after_bytes=10, cuts=99)) as proxy:
        puller = NewsPuller(proxy.url(GROUP), sleep=waits.append, attempts=5)
        with pytest.raises(PullFailed, match="gave up after 5 attempts"):
            list(puller)
    assert waits == [0.5, 1, 2, 4]


def test_an_unreachable_server_fails_clearly_without_inn():
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]  # closed again: nothing listens there
    waits: list[float] = []
    puller = NewsPuller(f"nntp://127.0.0.1:{port}/a.b", sleep=waits.append,
                        attempts=3, timeout=2)
    with pytest.raises(PullFailed, match=f"127.0.0.1:{port}/a.b"):
        puller.plan()
    assert waits == [0.5, 1]


# -- URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("nntp://news.example.org/comp.lang.python",
     NewsURL("nntp", "news.example.org", 119, ("comp.lang.python",), False)),
    ("nntps://news.example.org/a.b,c.d",
     NewsURL("nntps", "news.example.org", 563, ("a.b", "c.d"), True)),
    ("NNTP://127.0.0.1:1190/local.test/",
     NewsURL("nntp", "127.0.0.1", 1190, ("local.test",), False)),
    ("nntp://[::1]:1190/local.test",
     NewsURL("nntp", "::1", 1190, ("local.test",), False)),
])
def test_news_urls_are_read(url, expected):
    assert parse_news_url(url) == expected


def test_the_source_names_the_port_only_when_it_is_not_the_default():
    assert parse_news_url("nntp://h:119/a.b").source("a.b") == "nntp://h/a.b"
    assert parse_news_url("nntps://h:1563/a.b").source("a.b") == "nntps://h:1563/a.b"
    assert parse_news_url("nntp://[::1]:9/a.b").source("a.b") == "nntp://[::1]:9/a.b"


@pytest.mark.parametrize(("url", "message"), [
    ("http://news.example.org/a.b", "starts with nntp:// or nntps://"),
    ("news.example.org/a.b", "starts with nntp:// or nntps://"),
    ("nntp://news.example.org", "no group"),
    ("nntp://news.example.org/", "no group"),
    ("nntp:///a.b", "no server name"),
    ("nntp://news.example.org:port/a.b", "port must be a number"),
    ("nntp://news.example.org:70000/a.b", "port must be a number"),
    ("nntp://news.example.org:0/a.b", "port must be a number"),
    ("nntp://news.example.org/comp.*", "wildcards are not supported"),
    ("nntp://news.example.org/a.b,!c.d", "wildcards are not supported"),
    ("nntp://news.example.org/a.b,,c.d", "'' is not a group name"),
    ("nntp://news.example.org/a.b,a.b", "named twice"),
    ("nntp://news.example.org/a.b/123", "not an article number"),
    ("nntp://me:secret@news.example.org/a.b", "no user or password in the URL"),
    ("nntp://news.example.org/a.b?x=1", "no ?query"),
])
def test_bad_news_urls_say_what_is_wrong(url, message):
    with pytest.raises(ValueError, match=message.replace("?", r"\?")
                       .replace("*", r"\*")) as caught:
        parse_news_url(url)
    assert "secret" not in str(caught.value)


def test_stopping_halfway_leaves_the_puller_usable(server):
    with NewsPuller(server.url(GROUP), depth=16) as puller:
        stream = puller.iter_group(GROUP)
        first = [next(stream) for _ in range(5)]  # replies still in flight
        stream.close()
        puller.after[GROUP] = 5
        rest = list(puller.iter_group(GROUP))
    assert [i.message_id for i in first + rest] == server.ids


def test_a_refused_group_without_a_user_says_a_login_is_wanted(server):
    with pytest.raises(NNTPError, match="wants a user and password"):
        with NewsPuller(server.url(PRIVATE)) as puller:
            puller.plan()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (made with the openssl tool)."""
    folder = tmp_path_factory.mktemp("tls")
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", folder / "key.pem", "-out", folder / "cert.pem",
                        "-days", "1", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot make a test certificate with openssl: {exc}")
    return folder / "cert.pem", folder / "key.pem"


def test_nntps_reads_through_tls(server, certificate):
    cert, key = certificate
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=cert)
    with closing(CuttingProxy(server.port, cuts=0, tls=serving)) as proxy:
        url = proxy.url(OTHER).replace("nntp://", "nntps://")
        assert len(pull(url, ssl_context=trusting)) == 10
        with pytest.raises(ssl.SSLCertVerificationError):
            pull(url)  # the system's authorities do not know our certificate


# -- an older, reader-only server (scripted) -------------------------------------------


class OldNewsServer:
    """Just enough of an old reader-only server to script what INN never does:
    a 201 greeting, 500 for MODE READER and OVER (XOVER only), and an article
    the overview lists but ARTICLE no longer finds."""

    ARTICLES = {
        3: b"From: a@example.invalid\r\nNewsgroups: old.group\r\nSubject: one\r\n"
           b"Message-ID: <one@example.invalid>\r\n\r\n..stuffed\r\nplain\r\n",
        4: None,
        7: b"From: b@example.invalid\r\nNewsgroups: old.group\r\nSubject: two\r\n"
           b"Message-ID: <two@example.invalid>\r\n\r\n...\r\n",
    }

    def __init__(self) -> None:
        self.commands: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self.listener.close()

    def _serve(self) -> None:
        with suppress(OSError):
            conn, _ = self.listener.accept()
            with conn, conn.makefile("rb") as lines:
                conn.sendall(b"201 old server ready (no posting)\r\n")
                for line in lines:
                    command = line.decode().strip()
                    self.commands.append(command.split()[0])
                    conn.sendall(self._answer(command))
                    if command == "QUIT":
                        return

    def _answer(self, command: str) -> bytes:
        verb, _, argument = command.partition(" ")
        if verb == "GROUP":
            return b"211 3 3 7 old.group\r\n"
        if verb == "XOVER":
            return b"224 overview\r\n" + b"".join(
                f"{n}\tsubject\tfrom\tdate\t<id{n}@x>\t\t0\t0\r\n".encode()
                for n in self.ARTICLES) + b".\r\n"
        if verb == "ARTICLE":
            data = self.ARTICLES[int(argument)]
            if data is None:
                return b"423 no such article number\r\n"
            return b"220 article\r\n" + data.replace(b"\r\n.", b"\r\n..") + b".\r\n"
        if verb == "QUIT":
            return b"205 bye\r\n"
        return b"500 what?\r\n"


def test_an_older_server_is_read_with_xover():
    old = OldNewsServer()
    try:
        items = pull(f"nntp://127.0.0.1:{old.port}/old.group")
    finally:
        old.close()
    assert [type(i).__name__ for i in items] == [
        "IncomingMessage", "ImportProblem", "IncomingMessage"]
    assert items[0].body_text == "..stuffed\nplain\n"
    assert items[1].kind == "skipped" and items[1].position == "old.group:4"
    assert items[2].body_text == "...\n"
    assert old.commands == ["MODE", "GROUP", "OVER", "XOVER", "ARTICLE", "ARTICLE",
                            "ARTICLE", "QUIT"]


def test_a_stalled_server_times_out_and_is_retried(server):
    class StallingProxy(CuttingProxy):
        """Stops relaying (without closing) after `after_bytes`, once."""

        @staticmethod
        def _pump(source, sink, limit):
            if limit is None:
                return CuttingProxy._pump(source, sink, None)
            with suppress(OSError):
                sink.sendall(source.recv(limit))
                threading.Event().wait(5)  # silence, then give up the sockets
            for sock in (source, sink):
                sock.close()

    waits: list[float] = []
    with closing(StallingProxy(server.port, after_bytes=40)) as proxy:
        items = pull(proxy.url(OTHER), sleep=waits.append, timeout=0.5)
    assert len(items) == 10 and waits == [0.5]


def test_without_inn2_the_server_tests_skip_and_say_how_to_install(monkeypatch):
    monkeypatch.setattr(newsserver, "INN_BIN", newsserver.REPO / "no-such-folder")
    with pytest.raises(pytest.skip.Exception, match="run make news-deps"):
        newsserver.skip_unless_inn()


def test_a_position_gives_back_the_group_and_number():
    assert article_position("local.test:42") == ("local.test", 42)
    for bad in ("group", "local.test:", ":3", "local.test:x"):
        with pytest.raises(ValueError, match="not a news position"):
            article_position(bad)
