"""A throwaway INN news server (Debian's inn2) for the NNTP pull tests.

`news_server()` writes an inn.conf whose every path points into a fresh folder
(config, active file, history, tradspool articles, tradindexed overview, run,
logs), starts `innd` on a free loopback port with INNCONF pointing at it, and
stops it at the end.  innd hands reader connections (after MODE READER) to
`nnrpd`, so one port serves both feeding (IHAVE) and reading.  Articles are
fed with IHAVE, which keeps their Message-IDs and dates; `-c 0` lets innd take
1993 articles (artcutoff).

innd runs only as the `news` user: as root we start it with `runuser -u news`
and give the folder to news; as anyone else the tests skip.  The machine's
own /etc/news and /var/spool/news are never touched.  Install with
`make news-deps`.
"""

from __future__ import annotations

import email.utils
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import REPO

INN_BIN = Path("/usr/lib/news/bin")
SAMPLE = REPO / "samples" / "usenet-20news-sci.med-1993.tar.xz"
# A user of the server's readers.conf; the hash is `openssl passwd -6` of it.
USER, PASSWORD = "tester", "secret"
_PASSWORD_HASH = ("$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72"
                  "N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.")
# Groups every server has: innd refuses to start without control and junk.
_SYSTEM_GROUPS = ("control", "control.cancel", "junk")
_FOLDERS = ("etc", "db", "spool/articles", "spool/overview", "spool/incoming",
            "spool/outgoing", "spool/archive", "tmp", "run", "log")


class FeedRefused(AssertionError):
    """innd did not take an article offered with IHAVE."""


@dataclass
class NewsServer:
    """A running innd: where it listens and how to feed it."""

    root: Path
    port: int
    host: str = "127.0.0.1"
    process: subprocess.Popen | None = field(default=None, repr=False)

    def url(self, *groups: str, scheme: str = "nntp") -> str:
        return f"{scheme}://{self.host}:{self.port}/{','.join(groups)}"

    def feed(self, articles: Iterable[bytes]) -> list[str]:
        """Offer each article with IHAVE; their Message-IDs, in order."""
        with _Conversation(self.host, self.port) as talk:
            return [talk.ihave(article) for article in articles]

    def cancel(self, message_id: str) -> None:
        """Remove an article (ctlinnd cancel) the way an expiry would: its
        overview line stays until expireover, so OVER still lists its number."""
        _run_as_news([str(INN_BIN / "ctlinnd"), "-s", "cancel", message_id], self)

    def stop(self) -> None:
        """innd and every nnrpd it started (they share its process group)."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.process = None


def skip_unless_inn() -> None:
    """Skip the test, saying why, when no innd can run here."""
    if not (INN_BIN / "innd").exists():
        pytest.skip("inn2 is not installed (no /usr/lib/news/bin/innd): "
                    "run make news-deps")
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "news":
        pytest.skip("innd runs only as the news user; run the tests as root")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("runuser is needed to start innd as the news user")


@contextmanager
def news_server(groups: Iterable[str] = ("local.test",),
                private: Iterable[str] = ()) -> Iterator[NewsServer]:
    """A fresh innd carrying `groups` (anyone may read) and `private` (only
    USER after AUTHINFO), stopped and removed at the end."""
    skip_unless_inn()
    root = Path(tempfile.mkdtemp(prefix="innd-"))
    server = NewsServer(root, _free_port())
    try:
        _configure(server, tuple(groups), tuple(private))
        server.process = _start(server)
        _wait_until_ready(server)
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


# -- sample articles -----------------------------------------------------------------


def sample_articles(count: int, group: str, start: int = 0) -> list[bytes]:
    """Articles `start`..`start+count` of the 20 Newsgroups sci.med sample,
    posted to `group` instead (Xref dropped: it names the old server)."""
    chosen = []
    with tarfile.open(SAMPLE) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile()),
                         key=lambda m: int(m.name.rsplit("/", 1)[-1]))
        for member in members[start:start + count]:
            chosen.append(to_group(tar.extractfile(member).read(), group))
    return chosen


def to_group(article: bytes, group: str) -> bytes:
    """The article with its Newsgroups header set to `group`, Xref removed and a
    Path and Message-ID added when it has none."""
    head, sep, body = article.partition(b"\n\n")
    lines = [line for line in re.split(rb"\n(?![ \t])", head)
             if not line.lower().startswith((b"newsgroups:", b"xref:"))]
    names = {line.split(b":", 1)[0].lower() for line in lines}
    if b"path" not in names:
        lines.insert(0, b"Path: not-for-mail")
    if b"message-id" not in names:
        lines.append(b"Message-ID: " + email.utils.make_msgid("test").encode())
    lines.append(b"Newsgroups: " + group.encode())
    return b"\n".join(lines) + (sep or b"\n\n") + body


def broken_article(group: str) -> bytes:
    """An article a careless newsreader might post (innd takes it): Latin-1
    bytes in headers and body with no MIME declaration, an encoded word in an
    unknown charset, a Content-Type with no boundary, lines starting with dots."""
    return (b"Path: not-for-mail\nFrom: J\xf6rg <joerg@example.invalid>\n"
            b"Newsgroups: " + group.encode() + b"\n"
            b"Subject: =?bogus?Q?Gr=FC=DFe?= \xfc\xdf\n"
            b"Date: Tue, 13 Apr 1993 12:00:00 GMT\n"
            b"Content-Type: multipart/mixed\n"
            b"Message-ID: <broken.1@example.invalid>\n\n"
            b"Gr\xfc\xdfe aus K\xf6ln\n.leading dot line\n..two dots\n")


# -- starting innd -------------------------------------------------------------------


def _configure(server: NewsServer, groups: tuple[str, ...],
               private: tuple[str, ...]) -> None:
    root = server.root
    for folder in _FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    etc, db = root / "etc", root / "db"
    (etc / "inn.conf").write_text(_inn_conf(root, server.host, server.port))
    (etc / "storage.conf").write_text(
        "method tradspool {\n  newsgroups: *\n  class: 0\n}\n")
    (etc / "newsfeeds").write_text("ME:*::\n")
    (etc / "incoming.conf").write_text(
        'peer ME {\n  hostname: "localhost, 127.0.0.1"\n}\n')
    (etc / "readers.conf").write_text(_readers_conf(etc / "passwd", private))
    (etc / "passwd").write_text(f"{USER}:{_PASSWORD_HASH}\n")
    for name in ("inn-secrets.conf", "expire.ctl"):
        with suppress(OSError):
            shutil.copy(Path("/etc/news") / name, etc / name)
    (db / "active").write_text("".join(
        f"{g} 0000000000 0000000001 {'n' if g in _SYSTEM_GROUPS else 'y'}\n"
        for g in (*groups, *private, *_SYSTEM_GROUPS)))
    for name in ("active.times", "newsgroups", "history"):
        (db / name).touch()
    _give_to_news(root)
    _run_as_news([str(INN_BIN / "makedbz"), "-i", "-o", "-f", str(db / "history")],
                 server)


def _inn_conf(root: Path, host: str, port: int) -> str:
    paths = {"pathnews": "/usr/lib/news", "pathbin": str(INN_BIN),
             "pathcontrol": f"{INN_BIN}/control", "pathfilter": "/etc/news/filter",
             "pathetc": root / "etc", "pathdb": root / "db",
             "pathspool": root / "spool", "patharticles": root / "spool/articles",
             "pathoverview": root / "spool/overview",
             "pathincoming": root / "spool/incoming",
             "pathoutgoing": root / "spool/outgoing",
             "patharchive": root / "spool/archive", "pathtmp": root / "tmp",
             "pathrun": root / "run", "pathlog": root / "log",
             "pathhttp": root / "tmp"}
    settings = {"domain": "test.invalid", "pathhost": "news.test.invalid",
                "organization": '"test server"', "mta": '"/bin/true %s"',
                "port": port, "bindaddress": host, "artcutoff": 0,
                "ovmethod": "tradindexed", "hismethod": "hisv6",
                "enableoverview": "true", "wireformat": "true",
                "pgpverify": "false", "docancels": "none",
                "readerswhenstopped": "true", "linecountfuzz": 0,
                # nnrpd turns readers away when the load average passes 16;
                # a busy 2-core test machine gets there.
                "nnrpdloadlimit": 0, **paths}
    return "".join(f"{key}: {value}\n" for key, value in settings.items())


def _readers_conf(passwd: Path, private: tuple[str, ...]) -> str:
    hidden = "".join(f",!{g}" for g in private)
    return (
        'auth "local" {\n  hosts: "127.0.0.1, localhost"\n'
        '  default: "<local>"\n'
        f'  auth: "ckpasswd -f {passwd}"\n}}\n'
        f'access "local" {{\n  users: "*"\n  newsgroups: "*{hidden}"\n'
        '  access: RPA\n}\n'
        f'access "user" {{\n  users: "{USER}"\n  newsgroups: "*"\n'
        '  access: RPA\n}\n'
    )


def _start(server: NewsServer) -> subprocess.Popen:
    """innd in the foreground (-f), filters off (-N), no article too old (-c 0),
    in a process group of its own so `stop` reaches the nnrpds too."""
    command = [str(INN_BIN / "innd"), "-f", "-N", "-c", "0"]
    return subprocess.Popen(_as_news(command), env=_env(server),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _wait_until_ready(server: NewsServer, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"innd exited with {server.process.returncode}; "
                               f"its configuration is in {server.root}")
        with suppress(OSError), socket.create_connection(
                (server.host, server.port), timeout=2) as sock:
            if sock.makefile("rb").readline().startswith(b"200"):
                return
        time.sleep(0.05)
    raise RuntimeError(f"innd did not answer on port {server.port} in {timeout}s")


def _env(server: NewsServer) -> dict:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "INNCONF": str(server.root / "etc" / "inn.conf"), "HOME": str(server.root)}


def _as_news(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "news", "--", *command]
    return command


def _run_as_news(command: list[str], server: NewsServer) -> None:
    subprocess.run(_as_news(command), env=_env(server), check=True,
                   capture_output=True, timeout=30)


def _give_to_news(root: Path) -> None:
    """innd drops to the news user, which must own (and reach) its folder."""
    root.chmod(0o755)
    if os.geteuid() != 0:
        return
    news = pwd.getpwnam("news")
    for path in [root, *root.rglob("*")]:
        os.chown(path, news.pw_uid, news.pw_gid)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- feeding -------------------------------------------------------------------------


class _Conversation:
    """A transit (feeding) connection: IHAVE, as a peer server would."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=30)
        self.file = self.sock.makefile("rb")
        self._expect(b"200")

    def __enter__(self) -> _Conversation:
        return self

    def __exit__(self, *exc) -> None:
        with suppress(OSError):
            self.sock.sendall(b"QUIT\r\n")
        self.file.close()
        self.sock.close()

    def ihave(self, article: bytes) -> str:
        message_id = _message_id(article)
        self.sock.sendall(b"IHAVE " + message_id.encode() + b"\r\n")
        self._expect(b"335")
        self.sock.sendall(_dot_stuffed(article))
        self._expect(b"235")
        return message_id.strip("<>")

    def _expect(self, code: bytes) -> None:
        line = self.file.readline()
        if not line.startswith(code):
            raise FeedRefused(f"innd answered {line!r}, expected {code.decode()}")


def _message_id(article: bytes) -> str:
    found = re.search(rb"^Message-ID:\s*(<[^>]+>)", article.partition(b"\n\n")[0],
                      re.IGNORECASE | re.MULTILINE)
    if not found:
        raise ValueError("the article has no Message-ID")
    return found.group(1).decode("ascii", "replace")


def _dot_stuffed(article: bytes) -> bytes:
    text = article.replace(b"\r\n", b"\n")
    lines = text.removesuffix(b"\n").split(b"\n")
    return b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n"
                    for line in lines) + b".\r\n"
