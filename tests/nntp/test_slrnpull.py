"""Debian's slrnpull pulls the groups into a throwaway spool: one file per
visible post, each holding exactly what ARTICLE serves (with LF line ends)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.nntp.test_newsreader import raw_article, visible

pytestmark = [
    pytest.mark.search_backend("null"),
    pytest.mark.skipif(shutil.which("slrnpull") is None,
                       reason="slrnpull is not installed (Debian package slrnpull)"),
]
GROUPS = ("comp.lang.misc", "alt.test")


def pull(spool, address) -> subprocess.CompletedProcess:
    """slrnpull over every article of GROUPS (max 0: all, expire 0: never)."""
    spool.mkdir()
    (spool / "slrnpull.conf").write_text(
        "".join(f"{group} 0 0 0\n" for group in GROUPS))
    return subprocess.run(
        [shutil.which("slrnpull"), "-d", str(spool),
         "-h", f"{address.host}:{address.port}", "--no-post",
         "--debug", str(spool / "dialogue.txt")],
        capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})


def spooled(spool, group: str) -> dict[int, bytes]:
    folder = spool / "news" / group.replace(".", "/")
    return {int(p.name): p.read_bytes() for p in folder.iterdir()
            if p.name.isdigit()}


def test_slrnpull_spools_what_the_server_serves(tmp_path, news_server, newsreader,
                                                sample):
    spool = tmp_path / "spool"
    done = pull(spool, news_server)
    dialogue = (spool / "dialogue.txt").read_text(errors="replace")
    assert done.returncode == 0, done.stderr + dialogue[-3000:]
    files = spooled(spool, "comp.lang.misc")
    assert sorted(files) == [p.id for p in visible(sample)]
    newsreader.group("comp.lang.misc")
    for number, content in files.items():
        served = raw_article(newsreader, number)
        assert len(content) == len(served) - served.count(b"\r\n")
        assert content == served.replace(b"\r\n", b"\n")
    assert sorted(spooled(spool, "alt.test")) == [sample.html_post.id]
    assert "SECRET" not in "".join(c.decode() for c in files.values())
