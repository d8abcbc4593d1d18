"""Text-quote selectors: finding a moderator's selection again and marking it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forum.text.markup import render_post_body
from forum.text.textquote import TextQuote, mark_quote, quote_in, visible_text

HTML = ('<p>Magnesium &amp; malic acid\ncures <a href="x">fibro</a> fast.</p>'
        "<blockquote><p>cures fibro</p></blockquote>")


def test_visible_text_collapses_whitespace_and_unescapes():
    assert visible_text(HTML) == ("Magnesium & malic acid cures fibro fast. "
                                  "cures fibro")


def test_a_span_across_a_link_is_marked_in_each_text_node():
    quote = quote_in(HTML, "cures   fibro\nfast")
    assert quote == TextQuote("cures fibro fast", "Magnesium & malic acid ",
                              ". cures fibro")
    marked = str(mark_quote(HTML, quote, class_="claim"))
    assert marked.count('<mark class="claim">') == 3
    assert '<a href="x"><mark class="claim">fibro</mark></a>' in marked
    assert "<blockquote><p>cures fibro</p>" in marked  # the other one untouched


@pytest.mark.parametrize(("prefix", "suffix", "in_quote"), [
    ("malic acid ", " fast", False),
    ("fast. ", "", True),
])
def test_context_chooses_between_repeated_words(prefix, suffix, in_quote):
    marked = str(mark_quote(HTML, TextQuote("cures fibro", prefix, suffix)))
    quoted_part = marked.split("<blockquote>")[1]
    assert ("<mark>" in quoted_part) is in_quote


def test_missing_words_mark_nothing():
    assert quote_in(HTML, "magnesium cures everything") is None
    assert str(mark_quote(HTML, TextQuote("nowhere"))) == HTML


def test_marks_escape_what_they_wrap():
    html = "<p>x &lt;script&gt; cures y</p>"
    marked = str(mark_quote(html, TextQuote("<script> cures")))
    assert "&lt;script&gt; cures</mark>" in marked and "<script>" not in marked


@given(st.text(min_size=1, max_size=300), st.data())
def test_any_selection_of_a_rendered_body_is_found_again(body, data):
    html = str(render_post_body(body))
    text = visible_text(html)
    if not text.strip():
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    exact = text[start:end].strip()
    if not exact:
        return
    quote = quote_in(html, exact)
    assert quote is not None and quote.exact == " ".join(exact.split())
    assert "<mark" in str(mark_quote(html, quote))
