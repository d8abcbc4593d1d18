"""Web articles read back as documents, on the seeds' real text (pure functions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from forum.text.article_doc import article_blocks, is_article_id, is_heading
from forum.text.article_html import render_article
from importers.article_text import read_text_article
from importers.webpage import article_id

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def seed(name: str):
    return read_text_article((SAMPLES / name).read_text(encoding="utf-8"))


def kinds(text: str) -> list[str]:
    return [block.kind for block in article_blocks(text)]


def test_the_fasciculations_comparison_is_a_table_with_its_header():
    blocks = article_blocks(seed("article-fasciculations-deficiencies.txt").body)
    [table] = [b for b in blocks if b.kind == "table"]
    assert table.header
    assert table.rows[0] == ["Deficiency", "Mechanism Causing Fasciculations",
                             "Symptoms (Besides Twitching)", "Common Dietary Sources"]
    assert [row[0] for row in table.rows[1:]] == [
        "Magnesium", "Calcium", "Potassium", "Vitamin D", "Vitamin B12"]
    assert all(len(row) == 4 for row in table.rows)
    headings = [b.lines[0] for b in blocks if b.kind == "heading"]
    assert headings[0] == "The Critical Role of Magnesium"
    comparison = "Nutrient Deficiencies Causing Fasciculations: A Comparison Table"
    assert comparison in headings
    assert headings[-1] == "Conclusion"
    [causes] = [b for b in blocks if b.kind == "list"]
    assert len(causes.lines) == 5 and causes.lines[0].startswith("Stress and Anxiety:")


def test_bullets_set_apart_by_blank_lines_are_one_list():
    blocks = article_blocks(seed("article-magnesium-essential-tremor.txt").body)
    lists = [b for b in blocks if b.kind == "list"]
    assert [len(b.lines) for b in lists[:2]] == [3, 4]
    assert not any(line.startswith("\u2022") for b in lists for line in b.lines)
    # A lead-in that ends with a colon is prose; a title-cased label is a heading.
    headings = {b.lines[0] for b in blocks if b.kind == "heading"}
    assert "Drug Interactions:" in headings
    assert not any(h.startswith("Magnesium\u2019s tremor-reducing") for h in headings)


def test_a_lone_asterisk_footnote_stays_a_paragraph():
    blocks = article_blocks(seed("article-fmnetwork-magnesium-fibromyalgia.txt").body)
    assert {b.kind for b in blocks} == {"paragraph"}
    assert blocks[-1].lines[0].startswith("* Bagis S, et al.")


@pytest.mark.parametrize(("line", "heading"), [
    ("The Critical Role of Magnesium", True),
    ("Conclusion", True),
    ("Why does it twitch?", True),
    ("Drug Interactions:", True),
    ("It helps in many ways, as studies show.", False),
    ("Magnesium's tremor-reducing properties stem from its ability to:", False),
    ("lower case start of a line", False),
    ("A very long line " * 10, False),
])
def test_what_reads_as_a_heading(line, heading):
    assert is_heading(line) is heading


def test_hard_wrapped_lines_are_one_paragraph_and_long_lines_one_each():
    wrapped = ("Magnesium is a mineral vital for over 300 enzymatic reactions\n"
               "in the body, including proper nerve and muscle function. When\n"
               "a deficiency occurs the balance is disrupted.")
    [block] = article_blocks(wrapped)
    assert block.kind == "paragraph" and "reactions in the body" in block.lines[0]
    long_lines = ("x" * 120 + ".\n") * 2
    assert kinds(long_lines) == ["paragraph", "paragraph"]


def test_a_stray_pipe_in_prose_is_not_a_table():
    text = "He wrote a | b once.\nThen he wrote nothing more about it at all."
    assert "table" not in kinds(text)


def test_rows_from_the_html_reader_keep_escaped_pipes_in_their_cells():
    [table] = article_blocks("| Name | a\\|b |\n|---|---|\n| One | 1 |")
    assert table.rows == [["Name", "a|b"], ["One", "1"]] and table.header


def test_numbered_items_make_an_ordered_list():
    steps = "Steps\n\n1. Mix it.\n2. Stir it.\n3. Serve it."
    assert kinds(steps) == ["heading", "ordered"]


def test_rendered_article_escapes_masks_and_labels_table_cells():
    text = ("Contacts\n\n| Who | Mail |\n|---|---|\n"
            "| <b>Jo</b> | jo.smith@example.org |\n\n"
            "Read http://example.org/more for more.")
    html = str(render_article(text))
    assert '<th scope="col">Who</th>' in html
    assert "&lt;b&gt;Jo&lt;/b&gt;" in html and "<b>" not in html
    assert "jo.smith@example.org" not in html and "@example.org" in html
    assert 'data-label="Mail"' in html and 'aria-label="Contacts"' in html
    assert '<h3>Contacts</h3>' in html
    assert '<a href="http://example.org/more"' in html


def test_only_the_article_itself_renders_as_a_document():
    article = seed("article-fasciculations-deficiencies.txt")
    assert is_article_id(article_id(article))
    assert not is_article_id("comment-" + "0" * 40 + "@web.invalid")
    assert not is_article_id("<123@example.com>") and not is_article_id(None)
