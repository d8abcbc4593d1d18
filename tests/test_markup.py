"""forum.text.markup: escaping, folding, linking, sanitising and address masking."""

from __future__ import annotations

import re
import sys
import time
from html.parser import HTMLParser

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from forum.text.blocks import split_blocks
from forum.text.body_html import render_body
from forum.text.markup import render_post_body, sanitize_html
from forum.text.masking import mask_addresses, mask_email
from forum.text.snippets import (
    _SNIPPET_SOURCES,
    _flatten,
    _masked_window,
    snippet_text,
    words_pattern,
)
from importers.parsing import parse_message
from tests.helpers import corpus

FULL_ADDRESS = re.compile(r"([\w.+%-]+)@([\w-]+(?:\.[\w-]+)+)")


def no_full_address(html: str) -> bool:
    return all(m[1].endswith("...") for m in FULL_ADDRESS.finditer(html))


class Elements(HTMLParser):
    """Collects the tags and attributes a browser would actually see."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


# -- masking -------------------------------------------------------------------


@pytest.mark.parametrize(("address", "masked"), [
    ("thai@sympatico.ca", "tha...@sympatico.ca"),
    ("m@x.org", "m...@x.org"),
    ("ab@x.org", "a...@x.org"),
    ("abc@x.org", "ab...@x.org"),
    ("MLondon@PSFC.MIT.EDU", "MLo...@PSFC.MIT.EDU"),
    ("first.last+tag@mail.example.co.uk", "fir...@mail.example.co.uk"),
    ("tha...@sympatico.ca", "tha...@sympatico.ca"),  # masking twice is a no-op
])
def test_mask_email(address, masked):
    assert mask_email(address) == masked
    assert mask_addresses(address) == masked


def test_mask_email_of_nothing():
    assert mask_email(None) is None
    assert mask_email("") == ""
    assert mask_addresses(None) == ""


@pytest.mark.parametrize(("text", "masked"), [
    ("Thai <thai@sympatico.ca> wrote:", "Thai <tha...@sympatico.ca> wrote:"),
    ("thai at sympatico.ca", "tha... at sympatico.ca"),
    ("thai AT sympatico DOT ca", "tha... AT sympatico DOT ca"),
    ("joe (at) example (dot) com", "jo... (at) example (dot) com"),
    ("joe [at] example [dot] com", "jo... [at] example [dot] com"),
    ("joe_at_example.com", "jo..._at_example.com"),
    ("mailto:joe@example.com", "mailto:jo...@example.com"),
    ("mailto:joe%40example.com", "mailto:jo...%40example.com"),
    ("http://x.org/find?who=joe@example.com", "http://x.org/find?who=jo...@example.com"),
    ("<3A1B2C.5D@news.example.com>", "<3A1...@news.example.com>"),
    # user@host@domain, from 1993 signatures: all before the last @ is masked.
    ("email@bferrell@uceng.uc.edu", "ema...@uceng.uc.edu"),
    ("2545500@jeff-lab@queensu.ca (Peter)", "254...@queensu.ca (Peter)"),
    # A domain may be an IP literal (RFC 5321 address-literal).
    ("user@[10.0.0.1]", "use...@[10.0.0.1]"),
    ("Root <root@[192.168.1.2]> wrote:", "Root <roo...@[192.168.1.2]> wrote:"),
    ("vera@[IPv6:2001:db8::1]", "ver...@[IPv6:2001:db8::1]"),
    ("ops&#64;[10.1.2.3]", "op...&#64;[10.1.2.3]"),
    # "İ" lower-cases to two characters: the hints still point at the "at".
    ("İİ İzmir: joe AT example DOT com", "İİ İzmir: jo... AT example DOT com"),
])
def test_mask_addresses_in_text(text, masked):
    assert mask_addresses(text) == masked


@pytest.mark.parametrize("prose", [
    "The FAQ is at rtfm.mit.edu every month.",
    "Look at www.example.com for details.",
    "Sources are available at ftp.uu.net now.",
    "We met at 5.30pm.",
    "Joe arrived at Boston.The rest stayed.",
])
def test_prose_with_at_is_left_alone(prose):
    assert mask_addresses(prose) == prose


def _mask_by_every_rule(text: str) -> str:
    """Masking as first written: both expressions over every text."""
    from forum.text.masking import (
        _ADDRESS_RE,
        _OBFUSCATED_RE,
        _mask_match,
        _mask_obfuscated,
    )

    return _OBFUSCATED_RE.sub(_mask_obfuscated, _ADDRESS_RE.sub(_mask_match, text))


ADDRESS_FRAGMENTS = ["joe", " ", "  ", "\xa0", "\u2003", "at", "AT", "At", "(at)",
                     "[ at ]", "_at_", "-at-", "@", "%40", "example", ".", "dot",
                     " DOT ", "(dot)", "com", "c", "-", "_", "\n", "<", ">",
                     "mit.edu", "x1", "é", "cat", "[", "]", "10.0.0.1",
                     "IPv6:", "::1", "&#64;", "&#X40;", "&#39;", "&commat;", "{at}",
                     "aT", "that", "İ", "\t"]


@settings(max_examples=1000)
@given(st.lists(st.sampled_from(ADDRESS_FRAGMENTS), max_size=16).map("".join))
@example(text=" _(at)mit.edu")  # "_" before "(at)" is the local part, not a bracket
def test_the_quick_checks_before_masking_skip_nothing(text):
    assert mask_addresses(text) == _mask_by_every_rule(text)


def test_lower_casing_keeps_every_character_a_word_or_space_character_or_not():
    """The "at" hints are looked for in lower-cased text (masking._lowered)."""
    word, space = re.compile(r"\w"), re.compile(r"\s")
    changed = [char for char in map(chr, range(sys.maxunicode + 1))
               if len(lower := char.lower()) == 1
               and (bool(word.match(char)) != bool(word.match(lower))
                    or bool(space.match(char)) != bool(space.match(lower)))]
    assert changed == []


@pytest.mark.corpus
def test_the_quick_checks_before_masking_skip_nothing_in_real_posts():
    import tarfile

    from tests.helpers import corpus

    checked = changed = 0
    with tarfile.open(corpus("usenet-20news", "groups", "sci.med.tar.xz")) as tar:
        for member in tar:
            if member.isfile():
                text = tar.extractfile(member).read().decode("latin-1")
                expected = _mask_by_every_rule(text)
                assert mask_addresses(text) == expected
                checked += 1
                changed += expected != text
    assert checked == 1000 and changed > 900


# -- plain text bodies ---------------------------------------------------------


def test_render_body_escapes_and_masks_attribution():
    html = render_body("John Smith <jsmith@example.com> wrote:\n> hi\n")
    assert isinstance(html, Markup)
    assert "John Smith &lt;jsm...@example.com&gt; wrote:" in html
    assert html.startswith('<div class="body-text">')


@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<a href=\"javascript:alert(1)\">x</a>",
    '"><svg onload=alert(1)>',
    "</div></details><script>alert(1)</script>",
])
def test_render_body_never_emits_markup_from_text(attack):
    found = Elements(render_body(f"Look: {attack}\n> {attack}\n"))
    assert found.tags <= {"div", "p", "br", "pre", "ul", "li", "blockquote"}
    assert {name for name, _ in found.attributes} <= {"class", "tabindex"}
    assert attack in "".join(found.text)


def test_links_only_for_web_schemes():
    html = render_body(
        "http://a.example/x https://b.example/y ftp://ftp.example/z www.c.com "
        "javascript:alert(1) news:comp.lang.c example.com file:///etc/passwd"
    )
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert hrefs == ["http://a.example/x", "https://b.example/y",
                     "ftp://ftp.example/z", "http://www.c.com"]
    assert html.count('rel="nofollow noopener ugc"') == 4


def test_url_with_quotes_cannot_break_out_of_href():
    html = render_body('see http://x.example/a"onmouseover="alert(1) now')
    assert 'onmouseover="' not in html


def test_address_inside_url_is_masked_in_href_and_text():
    html = render_body("http://groups.example/find?author=thai@sympatico.ca")
    assert no_full_address(html)
    assert "tha...@sympatico.ca" in "".join(Elements(html).text)


def test_long_quote_folds_into_details():
    html = render_body("Me.\n> one\n> two\n>\n> three\n>> four\nMe again.\n")
    assert "<details class=\"fold-quote\"><summary>5 quoted lines</summary>" in html
    assert "Me again." in html.split("</details>")[1]


def test_short_quote_stays_open():
    html = render_body("> one\n> two\n> three\nReply.\n")
    assert "<details" not in html
    assert '<div class="quote"><p>one<br>two<br>three</p></div>' in html


def test_blank_lines_between_quotes_join_them():
    blocks = split_blocks(["> a", "", "> b", "", "reply"])
    assert [(b.kind, len(b.lines)) for b in blocks] == [("quote", 3), ("text", 2)]


def test_colon_quotes_and_smileys():
    blocks = split_blocks([": quoted", ":: deeper", ":-) not a quote"])
    assert [(b.kind, len(b.lines)) for b in blocks] == [("quote", 2), ("text", 1)]


@pytest.mark.parametrize("delimiter", ["-- ", "--"])
def test_signature_folds(delimiter):
    html = render_body(f"Body.\n{delimiter}\nThai   Nguyen\nthai@sympatico.ca\n")
    assert '<details class="fold-signature"><summary>signature</summary>' in html
    assert "Thai   Nguyen" in html  # fixed-width spacing is kept
    assert no_full_address(html)


def test_dashes_inside_a_line_are_not_a_signature():
    assert "fold-signature" not in render_body("a -- b\n--- \n")


def test_original_message_tail_folds():
    html = render_body(
        "Agreed.\n\n-----Original Message-----\nFrom: Joe [mailto:joe@x.org]\n"
        "Sent: Monday\n\nOld text\n"
    )
    assert "<summary>5 quoted lines (original message)</summary>" in html
    assert html.index("Agreed.") < html.index("<details")
    assert no_full_address(html)


def test_signature_before_original_message_tail():
    blocks = split_blocks(["Hi", "-- ", "sig", "----- Original Message -----", "old"])
    assert [b.kind for b in blocks] == ["text", "signature", "tail"]


def test_uuencoded_binary_is_omitted():
    body = "Picture:\nbegin 644 cat.gif\nM1TE&.#EA`0`!\n`\nend\nNice, isn't it?\n"
    html = render_body(body)
    assert "binary attachment (uuencoded) omitted: cat.gif" in html
    assert "M1TE" not in html
    assert "Nice, isn" in html


def test_uuencoded_block_without_end_stops_at_prose():
    blocks = split_blocks(["begin 644 a.bin", "M86)C", "back to prose"])
    assert [b.kind for b in blocks] == ["binary", "text"]


def test_carriage_returns_end_lines_and_indented_code_keeps_its_spaces():
    html = render_body("a\r\n\r\n    indented\tcode\r\n")
    assert '<p>a</p><pre class="fixed" tabindex="0">    indented\tcode</pre>' in html


def test_text_before_a_fold_is_a_paragraph():
    html = render_body("Text\n\n> 1\n> 2\n> 3\n> 4\n")
    assert '<div class="text"><p>Text</p></div><details class="fold-quote">' in html


def test_empty_body():
    assert render_body("") == '<div class="body-text"></div>'
    assert render_body(None) == '<div class="body-text"></div>'


# -- reflowed bodies -------------------------------------------------------------


def test_prose_is_reflowed_into_paragraphs():
    html = render_body("Magnesium is in nuts, greens and grains, and most people\n"
                       "get enough of it from food alone, as far as I know.\n\n"
                       "Thanks,\nBob\n")
    assert html == ('<div class="body-text"><div class="text"><p>Magnesium is in '
                    "nuts, greens and grains, and most people get enough of it "
                    "from food alone, as far as I know.</p><p>Thanks,<br>Bob</p>"
                    "</div></div>")


def test_hand_laid_lines_are_fixed_and_scroll_in_their_own_box():
    html = render_body("What I took:\nDose      Pain\n100 mg    5\n300 mg    3\n")
    assert html == ('<div class="body-text"><div class="text"><p>What I took:</p>'
                    '<pre class="fixed" tabindex="0">Dose      Pain\n100 mg    5\n'
                    "300 mg    3</pre></div></div>")


def test_list_items_keep_their_markers():
    html = render_body("- one & two\n- three\n")
    assert '<ul class="items"><li>- one &amp; two</li><li>- three</li></ul>' in html


def test_quotes_lose_their_marks_and_nest_by_depth():
    html = render_body("> Ann wrote that magnesium helps.\n>> It does not, said Bo.\n"
                       "> Then she asked again.\nReply.\n")
    assert ('<div class="quote"><p>Ann wrote that magnesium helps.</p><blockquote>'
            "<p>It does not, said Bo.</p></blockquote><p>Then she asked again.</p>"
            "</div>") in html
    assert "&gt;" not in html


@pytest.mark.parametrize("marks", ["|> ", "KH> "])
def test_rn_and_supercite_quotes_are_quotes(marks):
    html = render_body(
        f"{marks}Science has not historically progressed in any sort of rational\n"
        f"{marks}experiment-data-theory sequence, as far as I can tell.\nReply.\n")
    assert ('<div class="quote"><p>Science has not historically progressed in any '
            'sort of rational experiment-data-theory sequence, as far as I can tell.'
            '</p></div>') in html
    assert "&gt;" not in html and "KH" not in html


@pytest.mark.parametrize("line", ["x> 5 is true", "Hello> there", "KH>there"])
def test_a_word_before_a_mark_is_not_a_quote(line):
    assert '<div class="quote">' not in render_body(f"{line}\nReply.\n")


def test_a_folded_quote_counts_its_source_lines():
    html = render_body("> a\n>\n> b\n> c\nReply.\n")
    assert '<summary>4 quoted lines</summary><div class="quote"><p>a</p>' in html


def test_an_address_split_by_quote_marks_is_masked_once_they_are_gone():
    html = render_body("> Please mail the list organiser, who is joe\n"
                       "> at example dot com, before Friday.\n")
    assert "jo... at example dot com" in html
    assert "joe at example" not in html


def test_links_survive_reflow():
    html = render_body("The paper is at http://example.org/paper and it says that\n"
                       "magnesium helps.\n")
    assert ('<p>The paper is at <a href="http://example.org/paper" rel="nofollow '
            'noopener ugc">http://example.org/paper</a> and it says that magnesium '
            "helps.</p>") in html


def test_an_original_message_tail_is_reflowed_with_its_quotes():
    html = render_body("Agreed.\n\n-----Original Message-----\nFrom: Joe\n\n"
                       "> quoted\n> text\n")
    assert ('<div class="tail"><p>-----Original Message-----<br>From: Joe</p>'
            "<blockquote><p>quoted<br>text</p></blockquote></div>") in html


def test_a_signature_keeps_its_lines_and_takes_focus_to_scroll():
    html = render_body("Body.\n-- \nAnn   Smith\n  Dept. of Medicine\n")
    assert ('<div class="signature" tabindex="0">Ann   Smith\n  Dept. of Medicine'
            "</div>") in html


@pytest.mark.corpus
def test_a_real_post_with_ascii_art_renders_paragraphs_and_pre():
    path = corpus("usenet-20news", "spool", "sci.med", "58953")
    body = parse_message(path.read_bytes(), str(path), "0", newsgroups=True).body_text
    html = render_body(body)
    assert html.count('<pre class="fixed" tabindex="0">') == 4
    assert "<p>The Pressure Point Massager is an aggressive physical massager " in html
    assert "   |_______________________________|</pre>" in html


# -- HTML bodies ---------------------------------------------------------------


def test_sanitize_html_strips_active_content():
    html = sanitize_html(
        '<p onclick="x()" style="color:red">Hi <b>all</b></p>'
        '<script>alert(1)</script><style>p{}</style>'
        '<img src="http://tracker.example/p.gif" onerror="alert(1)">'
        '<a href="javascript:alert(1)">bad</a><iframe src="http://x"></iframe>'
        '<a href="http://ok.example/">ok</a>'
    )
    assert "<p>Hi <b>all</b></p>" in html
    for banned in ("script", "alert", "style", "onclick", "<img", "iframe",
                   "javascript"):
        assert banned not in html
    assert '<a href="http://ok.example/" rel="nofollow noopener ugc">ok</a>' in html


def test_sanitize_html_masks_addresses_and_drops_mailto():
    html = sanitize_html('<p>Write to <a href="mailto:thai@sympatico.ca">'
                         "thai@sympatico.ca</a> or joe at example dot com</p>")
    assert "mailto" not in html
    assert "tha...@sympatico.ca" in html and "jo... at example dot com" in html
    assert no_full_address(html)


def test_sanitize_html_keeps_quotes_and_lists():
    html = sanitize_html("<blockquote>q</blockquote><ul><li>x</li></ul><pre>c</pre>")
    assert "<blockquote>q</blockquote><ul><li>x</li></ul><pre>c</pre>" in html


def test_render_post_body_prefers_text():
    assert "body-text" in render_post_body("text", "<p>html</p>")
    assert "body-html" in render_post_body("  \n", "<p>html</p>")
    assert "body-text" in render_post_body("", None)


# -- robustness ----------------------------------------------------------------


@pytest.mark.parametrize("body", [
    "a" * 100_000,
    "a." * 50_000,
    "a%" * 50_000,
    "a-" * 50_000,
    ("a" * 60 + ".") * 2_000,
    "joe at " * 20_000,
    "> x\n\n" * 30_000,
    "begin 644 x\n" * 20_000,
    "a@-" * 50_000,
    "a%40-" * 30_000,
    "a-at-" * 40_000,
    "a at a" * 30_000,
], ids=["word", "dots", "percent", "dashes", "labels", "at-words", "quotes", "uu",
        "at-chain", "percent-40-chain", "dash-at-chain", "at-runs"])
def test_pathological_bodies_render_in_linear_time(body):
    # Masking once tried every start position inside a run: minutes, not ms.
    # CPU time, not wall time: on a shared 2-core machine under a load of 11
    # a 0.18 s render once took 4.7 s of wall time.
    started = time.process_time()
    render_body(body)
    assert time.process_time() - started < 2


@pytest.mark.parametrize("gap", range(0, 120, 7))
def test_snippets_of_long_posts_never_show_an_unmasked_address(gap):
    """Only a margin round the snippet is masked: no cut may expose a local part."""
    local = "margaret.verylongname"
    text = ("filler words " * 200 + f"write to {local}@example.com "
            + "x" * gap + " then magnesium helps " + "more words " * 200)
    snippet = snippet_text(text, ["magnesium"])
    assert "magnesium" in snippet
    for size in range(3, len(local) + 1):
        assert local[-size:] + "@" not in snippet, snippet


def _snippet_from_whole_source(text: str, words: list[str], width: int) -> str:
    """snippet_text's rule written the slow, obvious way: flatten each source
    whole, then search it."""
    blocks = split_blocks(text.splitlines())
    pattern = words_pattern(words)
    first = None
    for kinds, mark in _SNIPPET_SOURCES:
        source = _flatten(blocks, kinds)
        if not source:
            continue
        found = pattern.search(source) if pattern else None
        if found or pattern is None:
            return mark + _masked_window(source, found.start() if found else 0,
                                         width, pattern)
        first = first or (source, mark)
    return first[1] + _masked_window(first[0], 0, width, None) if first else ""


_SNIPPET_LINES = st.lists(
    st.sampled_from(["> quoted ab line", "", "-- ", "abc def", "  ", ": ab",
                     "-----Original Message-----", "x@example.org abx"])
    | st.text(alphabet=" >:|\tabcx@.-\u00e9", max_size=70),
    max_size=60)


@settings(max_examples=400, deadline=None)
@given(lines=_SNIPPET_LINES, words=st.lists(
    st.sampled_from(["ab", "abc", "x", "ab*", "b c", "\u00e9"]), max_size=2),
    width=st.sampled_from([10, 40, 240]))
@example(lines=["ab " * 200, "> ab"], words=["ab"], width=10)
def test_snippet_cut_from_lines_equals_the_whole_source(lines, words, width):
    text = "\n".join(lines)
    assert snippet_text(text, words, width) == \
        _snippet_from_whole_source(text, words, width)
