"""Web articles: the four seed text copies and saved HTML pages with comments."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from importers.base import ImportProblem, IncomingMessage
from importers.detect import detect_format
from importers.webpage import iter_webpage

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
DATA = REPO / "tests" / "data"
ARTICLE_ID = re.compile(r"^article-[0-9a-f]{40}@web\.invalid$")
FM_URL = "http://fmnetnews.iraherman.com/latest-news/magnesium-treats-fibromyalgia-pain"
# Lines of page furniture that must not survive into any article body.
BOILERPLATE = re.compile(
    r"Fibromyalgia Network -|Posted By|51 Comments|Article printed from|URL to "
    r"article|copyrighted|853-2929|Menubar|Heal  Yourself|The Missing Mineral|"
    r"DISCLAIMER|N E W  S T A R T S|Electrotherapy|calcification|Scroll to Top|"
    r"cookie|Share on|Tweet|Related Articles|Leave a Reply|Subscribe|Sign up|"
    r"You may also like|All rights reserved|\b(?:Privacy|Contact|Newsletter|Search)\b",
    re.I,
)


def messages(path: Path) -> list[IncomingMessage]:
    items = list(iter_webpage(path))
    assert all(isinstance(item, IncomingMessage) for item in items), items
    return items


def first_and_last_line(body: str) -> tuple[str, str]:
    lines = [line for line in body.splitlines() if line.strip()]
    return lines[0], lines[-1]


SEEDS = [
    # file, title, first body line starts, last body line ends
    ("article-fmnetwork-magnesium-fibromyalgia.txt",
     "Magnesium Treats Fibromyalgia Pain",
     "Why would magnesium reduce your fibromyalgia symptoms, and how does",
     "* Bagis S, et al. Rheumatology Int [epub ahead of print] Jan. 22, 2012."),
    ("article-fasciculations-deficiencies.txt",
     "Understanding Fasciculations and Their Triggers",
     "Fasciculations are small, involuntary muscle contractions or twitches",
     "consulting a healthcare professional is recommended to rule out more "
     "serious conditions."),
    ("article-magnesium-essential-tremor.txt",
     "Unlocking Relief With Magnesium: A Guide For Essential Tremor Management",
     "Magnesium, an essential mineral, plays a crucial role in muscle and nerve",
     "before starting any new therapies to ensure they are safe and appropriate "
     "for you."),
    ("article-magnesium-muscle-relaxant.txt",
     "Magnesium is a Muscle Relaxant",
     "Magnesium is a muscle relaxant in skeletal muscle contractions",
     "the muscles become more or less permanently contracted, leading to "
     "increasing muscle tension and spasms."),
]


@pytest.mark.parametrize(("name", "title", "first", "last"), SEEDS)
def test_seed_text_copies(name, title, first, last):
    [article] = messages(SAMPLES / name)
    body_first, body_last = first_and_last_line(article.body_text)
    assert article.subject == title
    assert body_first.startswith(first)
    assert body_last.endswith(last)
    assert not BOILERPLATE.search(article.body_text)
    assert ARTICLE_ID.match(article.message_id) and article.synthetic_id
    assert (article.position, article.in_reply_to, article.groups) == ("article", None,
                                                                       [])


def test_fibromyalgia_network_byline_and_url():
    [article] = messages(SAMPLES / "article-fmnetwork-magnesium-fibromyalgia.txt")
    assert article.author_name == "joshua (fmnetnews)"
    assert article.date == datetime(2012, 1, 31, 12, 33)
    assert article.date_precision == "exact"
    assert "no time zone" in article.date_note
    assert article.source_url == FM_URL
    assert "The second part of Bagis’ study" in article.body_text


@pytest.mark.parametrize("name", [seed[0] for seed in SEEDS[1:]])
def test_seeds_without_a_byline_have_no_author_date_or_url(name):
    [article] = messages(SAMPLES / name)
    assert (article.author_name, article.date, article.source_url) == ("", None, None)


def test_ids_are_deterministic_and_follow_the_url():
    text = messages(SAMPLES / "article-fmnetwork-magnesium-fibromyalgia.txt")
    page = messages(DATA / "article-wordpress-nested-comments.html")
    again = messages(DATA / "article-wordpress-nested-comments.html")
    assert [m.message_id for m in page] == [m.message_id for m in again]
    # The same article saved as text and as HTML is one article.
    assert text[0].message_id == page[0].message_id
    assert len({m.message_id for m in page}) == len(page)


def test_saved_page_metadata_body_and_no_chrome():
    article, *_ = messages(DATA / "article-wordpress-nested-comments.html")
    assert article.subject == "Magnesium Treats Fibromyalgia Pain"
    assert article.author_name == "joshua (fmnetnews)"
    # 12:33 pm at -07:00, as the page's <time datetime> says.
    assert (article.date, article.date_precision) == (datetime(2012, 1, 31, 19, 33),
                                                      "exact")
    assert article.date_note is None
    assert article.source_url == FM_URL
    body_first, body_last = first_and_last_line(article.body_text)
    assert body_first.startswith("Why would magnesium reduce your fibromyalgia")
    assert body_last.startswith("* Bagis S, et al. Rheumatology Int")
    assert not BOILERPLATE.search(article.body_text)
    assert "Reader One" not in article.body_text


def test_saved_page_comments_are_replies_with_their_nesting():
    article, one, two, three = messages(DATA / "article-wordpress-nested-comments.html")
    assert [c.author_name for c in (one, two, three)] == [
        "Reader One", "Reader Two", "Reader Three"]
    assert one.in_reply_to == article.message_id
    assert two.in_reply_to == one.message_id
    assert two.references == [article.message_id, one.message_id]
    assert three.in_reply_to == article.message_id
    assert one.body_text == ("I started taking magnesium citrate at bedtime last "
                             "month and my leg cramps are much better.\n\n"
                             "Has anyone tried it with amitriptyline?")
    assert one.subject == "Re: Magnesium Treats Fibromyalgia Pain"
    assert one.source_url == FM_URL + "#comment-1001"
    assert (one.date, one.date_precision) == (datetime(2012, 2, 1, 15, 15), "exact")
    assert (three.date, three.date_precision) == (datetime(2012, 2, 5), "day")
    assert all(c.synthetic_id and c.message_id.endswith("@web.invalid")
               for c in (one, two, three))


def test_saved_page_with_date_only_and_saved_from_url():
    [article] = messages(DATA / "article-date-only-saved-from-url.html")
    assert article.subject == "Understanding Fasciculations and Their Triggers"
    assert article.author_name == ""  # "Updated June 14, 2023" names nobody
    assert (article.date, article.date_precision) == (datetime(2023, 6, 14), "day")
    assert article.source_url == (
        "https://health.example.org/muscles/fasciculations-and-deficiencies")
    assert "Magnesium | Blocks excessive calcium influx" in article.body_text
    assert "- Sleep Deprivation: Lack of proper rest" in article.body_text
    assert "\n\nThe Critical Role of Magnesium\n\n" in article.body_text
    assert not BOILERPLATE.search(article.body_text)


def test_page_without_url_gets_an_id_from_title_author_and_date(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<!doctype html><html><head><title>A note</title>"
        '<meta name="author" content="A. Writer"></head><body><nav>Home</nav>'
        "<article><h1>A note</h1>" + "<p>Some words of the article. " * 30
        + "</p></article></body></html>", encoding="utf-8")
    first, second = messages(page)[0], messages(page)[0]
    assert first.message_id == second.message_id
    assert ARTICLE_ID.match(first.message_id)
    assert first.source_url is None and first.author_name == "A. Writer"


def test_page_with_no_article_text_is_a_problem(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<!doctype html><html><body><article></article></body></html>",
                    encoding="utf-8")
    [problem] = iter_webpage(page)
    assert isinstance(problem, ImportProblem)
    assert "no article text" in problem.reason


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        *[(SAMPLES / seed[0], "article") for seed in SEEDS],
        (DATA / "article-wordpress-nested-comments.html", "article"),
        (DATA / "article-date-only-saved-from-url.html", "article"),
        (DATA / "pipermail-display-name-separator.txt", "pipermail"),
        (DATA / "mbox-text-before-first-separator.mbox", "mbox"),
    ],
)
def test_detection(path, expected):
    assert detect_format(path) == expected


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("thread.txt", "Google Groups no longer supports new Usenet posts.\n\n"
         + "A long enough sentence of running text that is not an article. " * 5),
        ("hypermail.html", '<?xml version="1.0"?>\n<!DOCTYPE html><html><head>'
         '<meta name="generator" content="hypermail 2.4"><meta property="og:title"'
         ' content="x"></head><body><article>mail</article></body></html>'),
        ("note.eml", "A long enough sentence of running text in a mail file.\n" * 5),
        ("short.txt", "Just a few words.\nNothing like an article.\n"),
    ],
)
def test_other_pages_and_texts_are_not_articles(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    try:
        found = detect_format(path)
    except Exception:  # noqa: BLE001 - UnknownFormat is a fine answer here
        found = None
    assert found != "article"


def test_text_copy_without_blank_lines_gets_paragraphs_back():
    [article] = messages(SAMPLES / "article-fasciculations-deficiencies.txt")
    body = article.body_text
    assert "\n\nThe Critical Role of Magnesium\n\nMagnesium is a mineral" in body
    assert "Common Dietary Sources |\n|---|---|---|---|\n| Magnesium |" in body
    assert "over-excite the nervous system.\n- Strenuous Exercise:" in body
