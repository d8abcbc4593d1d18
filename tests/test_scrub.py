"""Taking removed text out of text and HTML (forum.text.scrub) and masking addresses
(forum.text.markup): pure functions, no database."""

from __future__ import annotations

import pytest

from forum.text.masking import mask_addresses
from forum.text.scrub import (
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


# -- address masking (forum.text.masking.mask_addresses): forms met in real archives ---

@pytest.mark.parametrize(("written", "shown"), [
    # A title-case top-level domain, as typed in signatures.
    ("JSmith at Example.Org", "JSm... at Example.Org"),
    ("Bob AT Example DOT Org", "Bo... AT Example DOT Org"),
    ("x at y.Com", "x... at y.Com"),
    # Character references typed into a plain-text post read as "@".
    ("nora&#64;hostfifteen.com", "nor...&#64;hostfifteen.com"),
    ("otto&#x40;hostsixteen.com", "ott...&#x40;hostsixteen.com"),
    ("otto&#X40;hostsixteen.com", "ott...&#X40;hostsixteen.com"),
    ("nora&#064;hostfifteen.com", "nor...&#064;hostfifteen.com"),
    ("pia&commat;hostseventeen.com", "pi...&commat;hostseventeen.com"),
    ("it&#39;s b&#64;c.de", "it&#39;s b...&#64;c.de"),
    # Hosts and local parts in any script.
    ("sasha@пример.рф", "sas...@пример.рф"),
    ("jörg at bücher dot de", "jör... at bücher dot de"),
    ("sasha at пример dot рф", "sas... at пример dot рф"),
    # Numbers alone are a version, four of them an IPv4 host; and in a chain
    # (user@host@domain, here a uuencoded line) the address is before them.
    ("root@10.0.0.1", "roo...@10.0.0.1"),
    ("W-S2@H.2A0DU48&!@8<", "W-S...@8<"),
    # Spelled-out dots with a real top-level domain.
    ("carol at hosttwo dot com.", "car... at hosttwo dot com."),
    ("a at b dot c dot uk", "a... at b dot c dot uk"),
])
def test_every_form_of_an_address_is_masked(written, shown):
    assert mask_addresses(written) == shown
    assert mask_addresses(shown) == shown  # masking twice changes nothing


@pytest.mark.parametrize("prose", [
    "meet at home dot the i's later", "meet at home dot", "look at this.",
    "install python@3.11 and numpy@1.26.4 or npm@10.2", "We met at noon.Then",
    "I was at home.It was late", "the FAQ is at rtfm.mit.edu", "it&#39;s &#x41;",
    "Tom &amp; Jerry &commat; home",
])
def test_prose_that_looks_a_little_like_an_address_is_kept(prose):
    assert mask_addresses(prose) == prose


@pytest.mark.parametrize("run", ["a&#" * 20_000, "a&#64;" * 20_000,
                                 "a&commat;-" * 20_000, "é-at-" * 20_000,
                                 "a at ö.ö dot " * 10_000])
def test_masking_stays_linear_on_runs_of_the_new_forms(run):
    import time

    start = time.perf_counter()
    mask_addresses(run)
    once = time.perf_counter() - start
    start = time.perf_counter()
    mask_addresses(run * 4)
    assert time.perf_counter() - start < 10 * once + 0.2
