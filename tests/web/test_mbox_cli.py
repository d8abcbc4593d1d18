"""`flask export mbox`: the web's mbox download, written to a file."""

from __future__ import annotations

import gzip
import mailbox

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, PostGroup
from forum.services.archive import VISIBLE
from forum.services.mbox_export import message_id_for
from tests.web.factories import START

pytestmark = pytest.mark.search_backend("null")


def _export(runner, tmp_path, *args):
    out = tmp_path / "out.mbox"
    done = runner.invoke(args=["export", "mbox", *args, "-o", str(out), "--quiet"])
    return done, out


def _message_ids(path) -> list[str]:
    box = mailbox.mbox(path, create=False)
    try:
        return [message["Message-ID"] for message in box]
    finally:
        box.close()


def test_a_group_export_holds_its_visible_posts(runner, sample, tmp_path, client):
    done, out = _export(runner, tmp_path, "--group", sample.group.name)
    assert done.exit_code == 0, done.output
    visible = db.session.scalar(
        select(func.count()).select_from(Post).join(PostGroup)
        .where(PostGroup.group_id == sample.group.id, *VISIBLE))
    ids = _message_ids(out)
    assert len(ids) == visible
    assert message_id_for(sample.hidden.permalink) not in ids
    assert f"{visible:,} messages written" in done.output
    web = client.get(f"/g/{sample.group.name}/mbox").data
    assert [line for line in out.read_bytes().splitlines()
            if not line.startswith(b"Archived-At")] == \
        [line for line in web.splitlines() if not line.startswith(b"Archived-At")]


def test_a_month_a_thread_and_gzip(runner, sample, tmp_path):
    month = f"{START.year}-{START.month:02d}"
    done, out = _export(runner, tmp_path, "--group", sample.group.name,
                        "--month", month)
    assert done.exit_code == 0, done.output
    assert _message_ids(out)
    done, out = _export(runner, tmp_path, "--thread", str(sample.thread.id))
    assert done.exit_code == 0, done.output
    plain = out.read_bytes()
    assert message_id_for(sample.root.permalink) in plain.decode()
    done, packed = _export(runner, tmp_path, "--thread", str(sample.thread.id),
                           "--gzip")
    assert gzip.decompress(packed.read_bytes()) == plain


@pytest.mark.parametrize(("args", "says"), [
    ((), "one of --group, --thread or --search"),
    (("--group", "no.such.group"), "There is no group called 'no.such.group'"),
    (("--group", "comp.lang.misc", "--month", "2000-13"), "There is no month"),
    (("--group", "comp.lang.misc", "--month", "May"), "YYYY-MM"),
    (("--thread", "999999"), "There is no thread 999999"),
    (("--month", "2000-01"), "--month goes with --group"),
])
def test_what_is_not_there_is_said_in_one_line(runner, sample, tmp_path, args, says):
    done, out = _export(runner, tmp_path, *args)
    assert done.exit_code == 2
    assert says in done.output
    assert "Traceback" not in done.output
