"""Taking removed text out of text and HTML: forum.scrub, no database."""

from __future__ import annotations

import pytest

from forum.scrub import (
    ADDRESS_REMOVED,
    REDACTED,
    Located,
    Replacement,
    scrub_html,
    scrub_text,
)

# From the 2000 thread: Mark London's post and a reply that quotes him.
MARK = ("I personally started taking magnesium for spasms and facial tics, only "
        "doing so\non my own after neurologists simply told me to either get "
        "better sleep or\n\nMark London\nM...@PSFC.MIT.EDU\n")
REPLY = ("lori\n\n\nMark London <m...@psfc.mit.edu> wrote in message\n"
         "news:10OCT00....@psfc.mit.edu...\n")
PHRASE = "facial tics, only doing so on my own after neurologists"


def test_a_phrase_is_found_across_line_breaks_and_letter_case():
    scrubbed = scrub_text(MARK, [Replacement(PHRASE.upper(), REDACTED)])
    assert "neurologists" not in scrubbed and "facial" not in scrubbed
    assert "spasms and [redacted] simply told me" in scrubbed


def test_names_are_whole_words_and_one_word_names_only_on_attribution_lines():
    scrub = [Replacement("Mark London", "Author x", "words"),
             Replacement("Mark", "Author x", "attribution"),
             Replacement("m...@psfc.mit.edu", ADDRESS_REMOVED)]
    assert scrub_text(REPLY, scrub) == (
        "lori\n\n\nAuthor x <[address removed]> wrote in message\n"
        "news:10OCT00....@psfc.mit.edu...\n")
    assert scrub_text("Mark wrote\n> Mark my words\nMarkus wrote", scrub) == \
        "Author x wrote\n> Mark my words\nMarkus wrote"


@pytest.mark.parametrize("shown", ["jane@example.org", "JAN...@EXAMPLE.ORG",
                                   "j...@example.org", "jan…@example.org"])
def test_an_address_goes_in_every_masked_form(shown):
    scrub = [Replacement("jane@example.org", ADDRESS_REMOVED),
             Replacement("jane@example.org", ADDRESS_REMOVED, "masked")]
    assert scrub_text(f"write to {shown} today", scrub) == \
        "write to [address removed] today"
    assert scrub_text("mary...@example.org", scrub) == "mary...@example.org"


def test_html_is_scrubbed_through_entities_and_spacing():
    scrub = [Replacement("Tom & Jerry", "Author 1", "words"),
             Replacement("tom@example.org", ADDRESS_REMOVED)]
    html = ('<p>Tom&nbsp;&amp; Jerry &lt;<a href="mailto:tom@example.org">'
            "tom@example.org</a>&gt; wrote:</p>")
    assert scrub_html(html, scrub) == (
        '<p>Author 1 &lt;<a href="mailto:[address removed]">[address removed]</a>'
        "&gt; wrote:</p>")


@pytest.mark.parametrize("html", ["<p>Tom <b>&amp; Jerry</b></p>",
                                  "<p>tom&#64;example.org</p>"])
def test_html_that_still_shows_the_text_is_given_up(html):
    scrub = [Replacement("Tom & Jerry", "A", "words"),
             Replacement("tom@example.org", ADDRESS_REMOVED)]
    assert scrub_html(html, scrub) is None


def test_a_label_quote_loses_exactly_the_part_that_was_redacted():
    located = Located(MARK, [Replacement(PHRASE, REDACTED)])
    assert located.quote("started taking magnesium for ", "spasms and facial tics",
                         ", only doing so on my own") == (
        "started taking magnesium for ", "spasms and [redacted]", "[redacted]")
    assert located.at("facial tics, only", MARK.index("facial")) == "[redacted]"
    assert located.at("spasms and", MARK.index("spasms")) == "spasms and"


def test_a_slice_not_found_in_the_text_is_masked_where_it_touches_the_phrase():
    located = Located(MARK, [Replacement(PHRASE, REDACTED)])
    assert located.anywhere("a quote ending in facial tics") == \
        "a quote ending in [redacted]"
    assert located.anywhere("after neurologists, later") == "[redacted], later"
    assert located.anywhere("nothing in common here") == "nothing in common here"


def test_no_replacements_change_nothing():
    located = Located(MARK, [])
    assert located.quote("a", "b", "c") == ("a", "b", "c")
    assert scrub_text(MARK, []) == MARK and scrub_html("<p>x</p>", []) == "<p>x</p>"
