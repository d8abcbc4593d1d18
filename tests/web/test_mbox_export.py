"""mbox exports of a thread, a group and a month: what a reader may take away,
in a file another archive (this one, fresh) imports back whole."""

from __future__ import annotations

import gzip
from email import message_from_bytes
from email.message import Message
from urllib.parse import quote

import pytest
from flask import url_for
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post
from forum.services.accounts import create_user
from forum.services.mbox_export import ID_DOMAIN, message_id_for
from forum.services.takedowns import redact_post
from tests.conftest import _empty_tables
from tests.evidence.conftest import PASSWORD
from tests.web.factories import START, unmasked_addresses

pytestmark = pytest.mark.search_backend("null")
ADDRESSES = ("thai@sympatico.ca", "mlondon@psfc.mit.edu", "jsmith@example.com")


def _urls(sample) -> list[str]:
    group = quote(sample.group.name)
    return [f"/t/{sample.thread.id}/mbox", f"/g/{group}/mbox",
            f"/g/{group}/{START.year}/{START.month}/mbox"]


def _addresses(text: str) -> list[str]:
    """Full addresses in `text`, the export's own stand-in Message-IDs aside."""
    return [found for found in unmasked_addresses(text)
            if not found.endswith("@" + ID_DOMAIN)]


def test_an_export_is_a_named_mbox_download(client, sample):
    for url in _urls(sample):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.data.startswith(b"From ")
        assert response.mimetype == "application/mbox"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert '.mbox"' in response.headers["Content-Disposition"]
    group = client.get(f"/g/{sample.group.name}/mbox")
    assert group.data
    assert 'filename="comp.lang.misc.mbox"' in group.headers["Content-Disposition"]


def test_the_pages_link_their_exports(client, sample):
    thread = client.get(f"/t/{sample.thread.id}/").get_data(as_text=True)
    assert f'href="/t/{sample.thread.id}/mbox"' in thread
    assert f'href="/t/{sample.thread.id}/mbox.gz"' in thread
    group = client.get(f"/g/{sample.group.name}/").get_data(as_text=True)
    assert f'href="/g/{sample.group.name}/mbox"' in group
    month = client.get(f"/g/{sample.group.name}/2000/10/").get_data(as_text=True)
    assert f'href="/g/{sample.group.name}/2000/10/mbox.gz"' in month


@pytest.mark.parametrize("url", ["/t/999999/mbox", "/t/999999/mbox.gz",
                                 "/g/no.such.group/mbox", "/g/no.such.group/mbox.gz",
                                 "/g/comp.lang.misc/2000/13/mbox"])
def test_an_unknown_thread_or_group_is_the_usual_404_page(client, sample, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_hidden_posts_ghosts_and_redacted_words_stay_out(app, client, sample):
    moderator = create_user(db.session, "mara", PASSWORD, "moderator")
    redact_post(db.session, moderator, sample.root, "new compiler", "other",
                thread_wide=True)
    db.session.commit()
    for url in _urls(sample):
        text = client.get(url).get_data(as_text=True)
        assert "SECRET" not in text and "new compiler" not in text, url
        assert "[redacted]" in text
        assert message_id_for(sample.hidden.permalink) not in text
        assert message_id_for(sample.ghost.permalink) not in text.split(
            "In-Reply-To")[0]
        assert _addresses(text) == [], url
        assert not any(address in text.casefold() for address in ADDRESSES)
        assert "t...@sympatico.ca" in text  # masked, as on the pages


def test_messages_are_the_visible_posts_with_their_thread_shape(client, sample):
    messages = _parse(client.get(f"/t/{sample.thread.id}/mbox").data)
    ids = [m["Message-ID"] for m in messages]
    visible = [sample.root, sample.reply, sample.orphan, sample.under_hidden]
    assert ids == [message_id_for(p.permalink) for p in visible]
    by_id = dict(zip(ids, messages, strict=True))
    below_hidden = by_id[message_id_for(sample.under_hidden.permalink)]
    # The hidden parent is skipped; the reply still hangs below the root.
    assert below_hidden["In-Reply-To"] == message_id_for(sample.root.permalink)
    orphan = by_id[message_id_for(sample.orphan.permalink)]
    assert orphan["References"].split() == [
        message_id_for(sample.root.permalink), message_id_for(sample.ghost.permalink)]


def test_a_body_line_starting_with_from_is_quoted_mboxrd_style(
        app, client, create, sample):
    body = "From the start:\n>From here\nFrom  twice\nnot From here\n"
    post = create.post(sample.html_thread, [sample.group], author=sample.thai,
                       date=START, body=body)
    db.session.commit()
    raw = client.get(f"/t/{sample.html_thread.id}/mbox").get_data(as_text=True)
    assert ">From the start:\n>>From here\n>From  twice\nnot From here\n" in raw
    assert raw.count("\nFrom ") + raw.startswith("From ") == 2  # two messages
    message = _parse(raw.encode())[-1]
    assert message["Message-ID"] == message_id_for(post.permalink)
    assert message.get_payload() == ">From the start:\n>>From here\n" \
        ">From  twice\nnot From here\n\n"
    assert raw.endswith("\n\n")


def test_the_gzip_variant_holds_the_same_bytes(client, sample):
    for url in _urls(sample):
        plain = client.get(url)
        packed = client.get(url + ".gz")
        assert packed.status_code == 200
        assert packed.mimetype == "application/gzip"
        assert '.mbox.gz"' in packed.headers["Content-Disposition"]
        assert gzip.decompress(packed.data) == plain.data


@pytest.mark.parametrize("ending", ["mbox.gzip", "mbox.GZ", "mbox.gz.gz", "mboxgz",
                                    "MBOX", "mbox.zip", "mbox."])
def test_only_the_two_files_are_downloads(client, sample, ending):
    """One view answers `mbox` and `mbox.gz`, and nothing else that looks alike."""
    for base in (f"/t/{sample.thread.id}", f"/g/{sample.group.name}",
                 f"/g/{sample.group.name}/2000/10", "/search"):
        response = client.get(f"{base}/{ending}?q=compiler")
        assert response.status_code in (308, 404), (base, ending)
        assert "Content-Disposition" not in response.headers, (base, ending)


def test_each_download_link_is_built_from_one_endpoint(app):
    with app.test_request_context():
        assert url_for("archive.thread_mbox", thread_id=3, file="mbox") == "/t/3/mbox"
        assert url_for("archive.group_month_mbox", name="a.b", year=2000, month=10,
                       file="mbox.gz") == "/g/a.b/2000/10/mbox.gz"
        assert url_for("search.results_mbox", file="mbox.gz", q="x") == \
            "/search/mbox.gz?q=x"
        with pytest.raises(ValueError, match="is not one of"):
            url_for("archive.group_mbox", name="a.b", file="mbox.zip")


def test_the_export_is_read_in_batches(monkeypatch, client, sample):
    from forum.services import mbox_export

    whole = client.get(f"/g/{sample.group.name}/mbox").data
    thread = client.get(f"/t/{sample.thread.id}/mbox").data
    monkeypatch.setattr(mbox_export, "BATCH", 2)
    monkeypatch.setattr(mbox_export, "FIRST_BATCH", 1)
    assert client.get(f"/g/{sample.group.name}/mbox").data == whole
    monkeypatch.setattr(mbox_export, "KNOWN_LIMIT", 2)  # the tree forgotten often
    assert client.get(f"/g/{sample.group.name}/mbox").data == whole
    assert client.get(f"/t/{sample.thread.id}/mbox").data == thread


def test_the_first_message_is_compressed_and_sent_at_once(sample):
    """A gzip download starts with the first message, whole and readable,
    not after the compressor has gathered tens of kilobytes."""
    import zlib

    from forum.services import mbox_export

    messages = [b"From a Mon Jan  1 00:00:00 2001\nSubject: %d\n\nbody\n\n" % n
                for n in range(1000)]
    first = next(mbox_export.gzip_chunks(iter(messages)))
    assert zlib.decompressobj(31).decompress(first) == messages[0]
    assert gzip.decompress(b"".join(mbox_export.gzip_chunks(iter(messages)))) == \
        b"".join(messages)


def test_a_group_export_imports_back_into_a_fresh_archive(
        app, client, sample, import_sources, tmp_path):
    path = tmp_path / "export.mbox"
    path.write_bytes(client.get(f"/g/{sample.group.name}/mbox").data)
    exported = {m["Message-ID"].strip("<>") for m in _parse(path.read_bytes())}
    posts, threads = _counts()
    db.session.remove()
    _empty_tables()
    report = import_sources(path, group="comp.lang.misc")
    db.session.commit()
    assert report.imported == len(exported) == posts
    assert _counts() == (posts, threads)
    assert set(db.session.scalars(select(Post.message_id).where(
        Post.is_ghost.is_(False)))) == exported


def _counts() -> tuple[int, int]:
    """Visible posts, and threads with one."""
    visible = (Post.is_hidden.is_(False), Post.is_ghost.is_(False))
    posts = db.session.scalar(select(func.count()).where(*visible))
    threads = db.session.scalar(select(func.count(func.distinct(Post.thread_id)))
                                .where(*visible))
    return posts, threads


def _parse(data: bytes) -> list[Message]:
    """The messages of an mbox, split at its From_ lines (bodies left quoted)."""
    chunks: list[list[bytes]] = []
    for line in data.split(b"\n"):
        if line.startswith(b"From "):
            chunks.append([])
        else:
            chunks[-1].append(line)
    return [message_from_bytes(b"\n".join(chunk)) for chunk in chunks]
