"""Google Groups thread pages: the copied text, the saved HTML and the Markdown.

The seed thread (tests/data/google-groups-seed-thread.txt) is a real copy of a
2000 Usenet thread; the .html and .md beside it render the same thread the way
Google Groups' thread page does, so all three must yield the same posts.
"""

from __future__ import annotations

import gzip
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from importers.base import ImportProblem, IncomingMessage
from importers.detect import detect_format, iter_source
from importers.google_groups import GoogleDate, parse_google_date, reply_subject

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = {form: DATA / f"google-groups-seed-thread.{form}"
        for form in ("txt", "html", "md")}
SUBJECT = "MUSCLE SPASMS MAY BE A MAGNESIUM DEFICIENCY."
# The page shows Pacific time (PDT in October 2000); stored as UTC, 7 hours on.
SEED_POSTS = [
    ("Mark London", datetime(2000, 10, 10, 10, 0, 0), "day"),
    ("ice witch", datetime(2000, 10, 10, 10, 0, 0), "day"),
    ("thai", datetime(2000, 10, 12, 7, 2, 46), "exact"),
    ("Stephanie A. Hall", datetime(2000, 10, 12, 10, 0, 0), "day"),
    ("thai", datetime(2000, 10, 13, 5, 57, 30), "exact"),
]
# The ids the seed thread got before its dates were converted from Pacific time:
# an archive that holds them must not get the posts again.
SEED_IDS = [
    "gg-5a4f590966efaa480d770158d8143a34bc48e44d@groups.google.invalid",
    "gg-642ebf3e8ff8befe6473a20e389021371d328013@groups.google.invalid",
    "gg-80d318a2322d0fd6c74fc012eb13a9167f81a18b@groups.google.invalid",
    "gg-6a6fa9bf749371a5e63480cb52ebbe6f7aa5eba6@groups.google.invalid",
    "gg-d1304796f7611452bb72813118554d7bb6dc2b7a@groups.google.invalid",
]
# Post index -> the index of the post it answers.
SEED_TREE = {1: 0, 2: 0, 3: 2, 4: 3}
UI_WORDS = re.compile(
    r"Google Groups no longer supports|^Dismiss$|Skip to first unread message"
    r"|^unread,$|^to$|\d+ views?$|new messages$|Reply to author|Show quoted text"
    r"|Show original message|Copy link|Report message|profile photo"
    r"|Message has been deleted|You do not have permission",
    re.M,
)
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def messages(path: Path, fmt: str = "auto") -> list[IncomingMessage]:
    return [m for m in iter_source(path, fmt) if isinstance(m, IncomingMessage)]


def parent_index(posts: list[IncomingMessage]) -> dict[int, int]:
    index = {post.message_id: number for number, post in enumerate(posts)}
    return {n: index[p.in_reply_to] for n, p in enumerate(posts) if p.in_reply_to}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("google-groups-seed-thread.txt", "google-groups-text"),
        ("google-groups-seed-thread.html", "google-groups-html"),
        ("google-groups-seed-thread.md", "google-groups-markdown"),
        ("google-groups-message-deleted.md", "google-groups-markdown"),
        ("google-groups-non-english-attributions.md", "google-groups-markdown"),
        ("google-groups-two-threads.txt", "google-groups-text"),
        ("google-groups-no-posts.html", "google-groups-html"),
    ],
)
def test_detects_each_form(name, expected):
    assert detect_format(DATA / name) == expected


def test_copy_starting_with_a_reply_subject_is_not_a_message(tmp_path):
    """`Re: ...` looks like a header line; the Google date lines decide."""
    copy = tmp_path / "thread.txt"
    lines = SEED["txt"].read_text(encoding="utf-8").splitlines()[3:]
    copy.write_text("Re: " + "\n".join(lines), encoding="utf-8")
    assert detect_format(copy) == "google-groups-text"


def test_mail_quoting_a_copied_thread_is_still_a_message(tmp_path):
    mail = tmp_path / "forwarded.eml"
    mail.write_text(
        "From: someone@example.org\nSubject: look at this\nDate: Mon, 1 Jan 2024 "
        "10:00:00 +0000\n\n" + SEED["txt"].read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    assert detect_format(mail) == "message"


def test_compressed_windows_copy_reads_the_same(tmp_path):
    copy = tmp_path / "thread.txt.gz"
    copy.write_bytes(gzip.compress(SEED["txt"].read_bytes().replace(b"\n", b"\r\n")))
    assert detect_format(copy) == "google-groups-text"
    assert [p.message_id for p in messages(copy)] == [
        p.message_id for p in messages(SEED["txt"])
    ]


def test_markdown_without_hard_break_spaces_gives_the_same_ids(tmp_path):
    """Some converters strip trailing spaces: blank lines shift, ids do not."""
    stripped = tmp_path / "thread.md"
    text = SEED["md"].read_text(encoding="utf-8")
    stripped.write_text(re.sub(r" +\n", "\n", text), encoding="utf-8")
    posts = messages(stripped)
    assert [(p.message_id, p.author_name, p.date) for p in posts] == [
        (p.message_id, p.author_name, p.date) for p in messages(SEED["txt"])
    ]


@pytest.mark.parametrize("form", SEED)
def test_seed_thread_posts(form):
    posts = messages(SEED[form])
    assert [(p.author_name, p.date, p.date_precision) for p in posts] == SEED_POSTS
    assert {p.date_offset for p in posts} == {-420}
    assert [p.subject for p in posts] == [SUBJECT] + [f"Re: {SUBJECT}"] * 4
    assert all(p.author_email is None and p.date_note is None for p in posts)
    assert posts[0].body_text.startswith("If you have muscle spasms, you should")
    assert posts[0].body_text.endswith("\n\nMark London\nM...@PSFC.MIT.EDU")
    assert posts[4].body_text.endswith("thanks for the info.....thai")


@pytest.mark.parametrize("form", SEED)
def test_no_interface_text_or_full_address_in_any_body(form):
    for post in messages(SEED[form]):
        assert not UI_WORDS.search(post.body_text), (post.author_name, form)
        assert post.body_text == post.body_text.strip()
        for address in ADDRESS.findall(post.body_text):
            assert "...@" in address, address


@pytest.mark.parametrize("form", ["html", "md"])
def test_html_and_markdown_give_the_posts_of_the_copied_text(form):
    def key(post: IncomingMessage) -> tuple:
        return (post.message_id, post.subject, post.author_name, post.date,
                post.date_precision, post.body_text)

    assert [key(p) for p in messages(SEED[form])] == [
        key(p) for p in messages(SEED["txt"])
    ]


@pytest.mark.parametrize("form", SEED)
def test_seed_reply_tree(form):
    """Mark London <- ice witch; Mark London <- thai <- Stephanie <- thai."""
    posts = messages(SEED[form])
    assert parent_index(posts) == SEED_TREE
    assert posts[0].parent_confidence is None
    for post in posts[1:]:
        assert 0 < post.parent_confidence <= 1 and post.parent_evidence


def test_ids_are_synthetic_deterministic_and_distinct():
    first, again = messages(SEED["txt"]), messages(SEED["txt"])
    ids = [p.message_id for p in first]
    assert ids == [p.message_id for p in again]
    assert len(set(ids)) == 5
    assert all(re.fullmatch(r"gg-[0-9a-f]{40}@groups\.google\.invalid", i) for i in ids)
    assert all(p.synthetic_id for p in first)


@pytest.mark.parametrize("form", SEED)
def test_ids_hash_the_time_the_page_printed_not_the_utc_instant(form):
    assert [p.message_id for p in messages(SEED[form])] == SEED_IDS


def test_group_and_address_come_from_the_page_when_it_shows_them():
    text, html, markdown = (messages(SEED[form]) for form in ("txt", "html", "md"))
    url = "https://groups.google.com/g/alt.med.fibromyalgia/c/Xr4lq1d0Mh8"
    assert {(p.source_url, tuple(p.groups)) for p in text} == {(None, ())}
    for posts in (html, markdown):
        assert {(p.source_url, tuple(p.groups)) for p in posts} == {
            (url, ("alt.med.fibromyalgia",))
        }


def test_explicit_formats_and_the_sniffing_reader_agree():
    for form, name in (("txt", "text"), ("html", "html"), ("md", "markdown")):
        explicit = messages(SEED[form], f"google-groups-{name}")
        sniffed = messages(SEED[form], "google-groups")
        assert [p.message_id for p in explicit] == [p.message_id for p in sniffed]


def test_deleted_messages_are_skipped_where_they_stood():
    items = list(iter_source(DATA / "google-groups-message-deleted.md"))
    kinds = [type(i).__name__ if isinstance(i, IncomingMessage) else i.kind
             for i in items]
    assert kinds == ["skipped", "IncomingMessage", "skipped", "IncomingMessage"]
    assert "deleted on Google Groups" in items[0].reason
    claire, tomasz = items[1], items[3]
    assert (claire.author_name, tomasz.author_name) == ("Claire Dubois", "Tomasz Nowak")
    assert {claire.subject, tomasz.subject} == {
        "Re: Varnish crazing on a spruce soundboard"
    }
    assert claire.groups == ["lute-makers"]
    assert claire.source_url == "https://groups.google.com/g/lute-makers/c/Vb7nQe2LxT4"
    assert claire.body_text.endswith("between coats?\n\nClaire")
    assert tomasz.in_reply_to == claire.message_id


def test_non_english_attributions_stay_in_bodies():
    posts = messages(DATA / "google-groups-non-english-attributions.md")
    assert [p.author_name for p in posts] == [
        "Tomasz Nowak", "Giulia Ferrari", "Дмитрий Соколов", "Klaus Becker",
        "Tomasz Nowak",
    ]
    endings = ["ha scritto:", "giu...@example.it:", "UTC+2:", "a écrit :"]
    for post, ending in zip(posts[1:], endings, strict=True):
        attribution = [line for line in post.body_text.splitlines()
                       if line.endswith(ending)]
        assert len(attribution) == 1, post.body_text
        assert not UI_WORDS.search(post.body_text)
        assert all("...@" in a for a in ADDRESS.findall(post.body_text))
    assert all(p.groups == ["lute-makers"] for p in posts)


def test_non_english_attributions_with_quotes_link_replies():
    posts = messages(DATA / "google-groups-non-english-attributions.md")
    tree = parent_index(posts)
    assert (tree[1], tree[3], tree[4]) == (0, 2, 3)


def test_russian_attribution_alone_names_the_parent():
    posts = messages(DATA / "google-groups-non-english-attributions.md")
    assert parent_index(posts)[2] == 1


def test_two_copied_threads_in_one_file():
    posts = messages(DATA / "google-groups-two-threads.txt")
    assert [(p.subject, p.author_name) for p in posts] == [
        ("Tuning a baroque lute to a'=415", "Anna Lindqvist"),
        ("Re: Tuning a baroque lute to a'=415", "Per Holm"),
        ("Gut frets that keep slipping", "Per Holm"),
        ("Re: Gut frets that keep slipping", "Anna Lindqvist"),
    ]
    # The first thread's trailing buttons, count and the second banner are gone.
    assert posts[1].body_text.endswith("heavier on the basses and it is fine.\n\nPer")
    assert posts[1].in_reply_to == posts[0].message_id
    assert posts[3].in_reply_to == posts[2].message_id
    assert not any("\ue5d4" in p.body_text for p in posts)


def test_a_page_without_posts_is_quarantined():
    [problem] = iter_source(DATA / "google-groups-no-posts.html")
    assert isinstance(problem, ImportProblem)
    assert problem.kind == "quarantined"
    assert "no Google Groups posts" in problem.reason


@pytest.mark.parametrize(
    ("text", "utc", "offset", "precision"),
    [
        # Summer (PDT, -0700) and winter (PST, -0800).
        ("Oct 12, 2000, 12:02:46\u202fAM10/12/00",
         datetime(2000, 10, 12, 7, 2, 46), -420, "exact"),
        ("Oct 12, 2000, 10:57:30 PM", datetime(2000, 10, 13, 5, 57, 30), -420, "exact"),
        ("Jan 5, 2001, 12:00:01\u202fPM1/5/01",
         datetime(2001, 1, 5, 20, 0, 1), -480, "exact"),
        ("Dec 31, 1999, 11:59:59 PM", datetime(2000, 1, 1, 7, 59, 59), -480, "exact"),
        # Before 2007 summer time ended on the last Sunday of October...
        ("Oct 29, 2000, 3:30:00 AM", datetime(2000, 10, 29, 11, 30), -480, "exact"),
        # ...since then on the first Sunday of November.
        ("Nov 2, 2008, 12:30:00 AM", datetime(2008, 11, 2, 7, 30), -420, "exact"),
        # The repeated hour is read as its first (PDT) pass, the skipped hour as
        # standard time: fold=0.
        ("Nov 2, 2008, 1:30:00 AM", datetime(2008, 11, 2, 8, 30), -420, "exact"),
        ("Mar 9, 2008, 2:30:00 AM", datetime(2008, 3, 9, 10, 30), -480, "exact"),
        # The time-unknown placeholder stays on the day the page showed.
        ("Oct 10, 2000, 3:00:00\u202fAM10/10/00", datetime(2000, 10, 10, 10), -420,
         "day"),
        ("Jan 5, 2001, 3:00:00 AM", datetime(2001, 1, 5, 11), -480, "day"),
    ],
)
def test_google_dates_are_pacific_time(text, utc, offset, precision):
    date = parse_google_date(text)
    assert (date.value, date.offset, date.precision, date.note) == (
        utc, offset, precision, None)
    assert date.value.date() == date.shown.date() or precision == "exact"
    assert date.value == date.shown - timedelta(minutes=offset)


@pytest.mark.parametrize(
    "text", ["Feb 30, 2001, 1:00:00 PM", "Okt 3, 2001, 1:00:00 PM"]
)
def test_impossible_dates_are_noted_not_guessed(text):
    date = parse_google_date(text)
    assert (date.value, date.precision, date.offset) == (None, "exact", None)
    assert "Google Groups date" in date.note
    assert date == GoogleDate(None, note=date.note)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [("Magnesium", "Re: Magnesium"), ("Re: Magnesium", "Re: Magnesium"),
     ("RE:Magnesium", "RE:Magnesium"), ("", "")],
)
def test_reply_subject(subject, expected):
    assert reply_subject(subject) == expected
