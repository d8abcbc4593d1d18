"""The parsers on the real archives in ../shared/corpora (see its SOURCES.md)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from importers.base import ImportProblem, IncomingMessage
from importers.detect import detect_format, iter_source

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"

pytestmark = pytest.mark.corpus


def corpus(*parts: str) -> Path:
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real corpus not available at {path}")
    return path


def read(*paths: Path) -> tuple[list[IncomingMessage], list[ImportProblem]]:
    messages: list[IncomingMessage] = []
    problems: list[ImportProblem] = []
    for path in paths:
        for item in iter_source(path):
            (problems if isinstance(item, ImportProblem) else messages).append(item)
    return messages, problems


def ids(messages: Iterable[IncomingMessage]) -> set[str | None]:
    return {m.message_id for m in messages}


def test_all_twenty_newsgroups():
    tars = sorted(corpus("usenet-20news", "groups").glob("*.tar.xz"))
    assert len(tars) == 20
    assert {detect_format(tar) for tar in tars} == {"usenet-tar"}
    messages, problems = read(*tars)
    assert (len(messages), len(problems)) == (19_997, 0)
    assert len(ids(messages)) == 19_466
    assert all(m.groups and m.date for m in messages)
    # Filed under comp.windows.x although its Newsgroups says cmu.cs.general.
    [happy_hour] = [m for m in messages if m.position == "comp.windows.x/66437"]
    assert happy_hour.groups == ["cmu.cs.general", "comp.windows.x"]
    # 75 From lines of 1993 hold a bang path, a bare name or just "()".
    assert sum(m.author_email is None for m in messages) == 75
    assert sum(not (m.author_email or m.author_name) for m in messages) == 11


def test_sci_med_spool_and_the_plus_3000_offset():
    messages, problems = read(corpus("usenet-20news", "spool", "sci.med"))
    assert (len(messages), len(problems)) == (1000, 0)
    [starvation] = [m for m in messages if m.position == "58983"]
    assert starvation.date.isoformat() == "1993-04-19T16:15:19"
    assert "+3000" in starvation.date_note
    assert starvation.groups == ["sci.med"]


def test_magnesium_lives_in_path_headers_not_bodies():
    messages, _ = read(corpus("usenet-20news", "spool", "sci.med"))
    in_bodies = [m for m in messages if "magnesium" in m.body_text.lower()]
    assert len(in_bodies) < 30
    assert sum(b"magnesium" in m.raw.lower() for m in messages) > 250


def test_notmuch_lkml_restores_the_escaped_from_line():
    messages, problems = read(corpus("notmuch-mail", "notmuch-lkml.mbox"))
    assert (len(messages), len(problems)) == (210, 0)
    assert len(ids(messages)) == 176
    restored = [m for m in messages
                if "\nFrom my point of view" in "\n" + m.body_text]
    assert len(restored) == 1
    assert not any("\n>From my point" in "\n" + m.body_text for m in messages)


@pytest.mark.parametrize(
    ("name", "count", "unique"),
    [("notmuch-default.mbox", 53, 52), ("notmuch-duplicate.mbox", 9, 3),
     ("notmuch-threading.mbox", 12, 12), ("notmuch-broken.mbox", 4, 4),
     ("notmuch-mangling.mbox", 1, 1)],
)
def test_notmuch_mboxes(name, count, unique):
    messages, problems = read(corpus("notmuch-mail", name))
    assert (len(messages), len(problems), len(ids(messages))) == (count, 0, unique)


def test_notmuch_raw_tar_of_maildir_names():
    messages, problems = read(corpus("notmuch-mail", "notmuch-corpora-raw.tar.xz"))
    assert (len(messages), len(problems)) == (289, 0)


@pytest.mark.parametrize(
    ("parts", "count", "without_id"),
    [
        (("numpy-discussion", "2001-November.txt"), 164, 0),
        (("r-devel", "1997-April.txt"), 366, 3),
        (("r-sig-mixed-models", "2007q1.txt.gz"), 145, 0),
        (("r-sig-mac", "1970-January.txt"), 2, 0),
    ],
)
def test_pipermail_months(parts, count, without_id):
    path = corpus("pipermail", *parts)
    assert detect_format(path) == "pipermail"
    messages, problems = read(path)
    assert (len(messages), len(problems)) == (count, 0)
    assert sum(m.message_id is None for m in messages) == without_id
    assert all(m.author_email and "@" in m.author_email for m in messages)
    assert not any(" at " in m.author_email for m in messages)


def test_epoch_dated_pipermail_message_is_noted():
    messages, _ = read(corpus("pipermail", "r-sig-mac", "1970-January.txt"))
    for message in messages:
        assert message.date is None
        assert "epoch date" in message.date_note


def test_mixed_models_keep_scrubbed_attachment_notes():
    messages, _ = read(corpus("pipermail", "r-sig-mixed-models", "2007q1.txt.gz"))
    scrubbed = [m for m in messages if "was scrubbed..." in m.body_text]
    assert len(scrubbed) >= 20


@pytest.mark.parametrize(
    ("name", "items", "unique"),
    [("3GPP_TSG_RAN_WG4_NR-MIMO-OTA.mbox", 59, 55),
     ("3GPP_TSG_SA_WG4_EVS.mbox", 50, 49)],
)
def test_listserv_exports(name, items, unique):
    messages, problems = read(corpus("listserv-3gpp", name))
    assert len(messages) + len(problems) == items
    # The one problem is a record holding nothing but an Archived-At header.
    assert all("no message headers" in p.reason for p in problems)
    assert len(ids(messages)) == unique
    assert all(m.message_id and m.date for m in messages)
    assert not any("=C3=" in m.body_text or "=20\n" in m.body_text for m in messages)


def test_listserv_quoted_printable_is_decoded_despite_bogus_params():
    messages, _ = read(corpus("listserv-3gpp", "3GPP_TSG_SA_WG4_EVS.mbox"))
    first = messages[0]
    assert first.message_id.startswith("HE1PR0702MB36431C99F09F56144B855CF3FAC79@")
    assert first.in_reply_to == "364608fb-05ec-10ac-c62e-3a663ddcc41a@USherbrooke.ca"
    assert "earlier we have also agreed" in first.body_text
    assert "To: Tomas Toftgård <tomas.toftgard@ericsson.com>" in first.body_text
    assert first.author_name == "Tomas Toftgård"


def test_google_groups_mbox_decodes_chinese_reply_prefixes():
    files = sorted(corpus("googlegroups-open-iscsi").glob("*.mbox.xz"))
    messages, problems = read(*files)
    assert (len(messages), len(problems)) == (1233, 0)
    assert len(ids(messages)) == 1233
    assert any(m.subject.startswith("答复:") for m in messages)
    assert not any("=?utf-8?" in m.subject.lower() for m in messages)


def test_hyperkitty_fixtures_all_parse():
    files = sorted(corpus("hyperkitty-testdata").glob("*.txt"))
    assert len(files) == 14
    for path in files:
        messages, problems = read(path)
        assert messages and not problems, path.name
    [unknown] = read(corpus("hyperkitty-testdata", "payload-unknown.txt"))[0]
    assert unknown.body_text == "This message specifies an unknown content-type\n"
    assert "charset non-existing-codec replaced by utf-8" in unknown.repairs


@pytest.mark.parametrize(
    ("name", "in_reply_to"),
    [("strange-in-reply-to-header.txt", "200704070053.46646.other.person@example.com"),
     ("wrong-in-reply-to-header.txt", None)],
)
def test_hyperkitty_in_reply_to_oddities(name, in_reply_to):
    [message] = read(corpus("hyperkitty-testdata", name))[0]
    assert message.in_reply_to == in_reply_to
    assert message.author_email == "test@example.com"
