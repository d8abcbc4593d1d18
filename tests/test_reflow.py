"""forum.text.reflow: which lines of a post are prose to reflow, which were laid out
by hand; on made-up blocks (one rule each) and on real posts."""

from __future__ import annotations

import pytest

from forum.text.blocks import split_blocks
from forum.text.reflow import Segment, fixed_lines, reflow, wrap_width
from importers.mbox import iter_mbox
from importers.parsing import parse_message
from importers.pipermail import iter_pipermail
from tests.helpers import corpus

WRAPPED = [
    "Magnesium is found in green vegetables, nuts and whole grains, and most",
    "people who eat a varied diet get enough of it without supplements, as",
    "the studies I have read say again and again.",
]
JOINED = " ".join(WRAPPED)


def kinds(segments: list[Segment]) -> list[str]:
    return [segment.kind for segment in segments]


# -- prose ---------------------------------------------------------------------


def test_hard_wrapped_lines_join_into_one_paragraph():
    assert reflow(WRAPPED) == [Segment("prose", [JOINED])]


def test_a_blank_line_ends_a_paragraph():
    assert reflow([*WRAPPED, "", *WRAPPED]) == [Segment("prose", [JOINED])] * 2


def test_indentation_and_trailing_spaces_are_not_kept_in_prose():
    lines = ["  " + WRAPPED[0] + "  ", WRAPPED[1] + "\t", WRAPPED[2]]
    assert reflow(lines) == [Segment("prose", [JOINED])]


@pytest.mark.parametrize("lines", [
    ["Thanks,", "Bob"],
    ["Dr. Ann Smith", "Department of Medicine", "University of Somewhere"],
    ["roses are red,", "violets are blue,", "sugar is sweet"],
], ids=["sign-off", "address", "poem"])
def test_breaks_after_short_lines_are_kept(lines):
    assert reflow(lines) == [Segment("prose", lines)]


def test_a_break_after_a_sentence_that_ends_well_short_is_kept():
    lines = [WRAPPED[0], "people who eat a varied diet get enough.",
             "Supplements are another matter altogether, though, and I would ask."]
    assert reflow(lines) == [Segment("prose", [
        lines[0] + " " + lines[1], lines[2]])]


def test_a_capital_after_a_full_line_is_not_a_meant_break():
    lines = [WRAPPED[0], "Dr. Smith who eats a varied diet gets enough of it without",
             "the supplements."]
    assert reflow(lines) == [Segment("prose", [" ".join(lines)])]


def test_a_word_that_would_not_have_fitted_joins_even_after_a_sentence():
    lines = ["This line ends a sentence, and it is long enough already to wrap.",
             "Extraordinarily long words would not fit on the line above."]
    assert wrap_width(lines) == 72
    assert reflow(lines) == [Segment("prose", [" ".join(lines)])]


def test_a_line_longer_than_any_wrap_keeps_its_break_before_a_capital():
    long = "A flowed paragraph arrives as one line. " * 3
    assert reflow([long.strip(), "Next paragraph."]) == [
        Segment("prose", [long.strip(), "Next paragraph."])]
    assert reflow([long.strip(), "and more of it."]) == [
        Segment("prose", [long.strip() + " and more of it."])]


def test_a_first_line_indent_after_a_kept_break_starts_a_new_paragraph():
    lines = ["The first paragraph is short.", "\tThe second one is indented.",
             "\tSo is this line."]
    assert reflow(lines) == [
        Segment("prose", ["The first paragraph is short."]),
        Segment("prose", ["The second one is indented.", "So is this line."])]


@pytest.mark.parametrize(("lengths", "width"), [
    ([], 72), ([10, 20], 72), ([75, 10], 75), ([30] * 9, 60),
    ([70] * 9 + [79], 70), ([76] * 8 + [120, 0], 76),
])
def test_wrap_width(lengths, width):
    assert wrap_width(["x" * length for length in lengths]) == width


# -- lists ---------------------------------------------------------------------


def test_list_items_start_at_their_markers_and_their_lines_join():
    lines = ["You need:", "- a magnesium salt that dissolves, such as the",
             "  citrate", "* water", "1. first", "2) second", "(3) third", "a) fourth"]
    assert reflow(lines) == [
        Segment("prose", ["You need:"]),
        Segment("list", ["- a magnesium salt that dissolves, such as the citrate",
                         "* water", "1. first", "2) second", "(3) third", "a) fourth"]),
    ]


def test_prose_after_a_list_item_with_a_meant_break_is_a_paragraph():
    lines = ["- one item", "That was all."]
    assert reflow(lines) == [Segment("list", ["- one item"]),
                             Segment("prose", ["That was all."])]


@pytest.mark.parametrize("line", ["-5 degrees outside", "1.5 mg a day", "*emphasis*"])
def test_no_list_item_without_a_space_after_the_marker(line):
    assert kinds(reflow([line])) == ["prose"]


# -- fixed blocks ----------------------------------------------------------------


TABLE = [
    "Dose      Pain   Sleep",
    "100 mg    5      poor",
    "300 mg    3      good",
]


def test_a_table_stays_fixed_and_its_intro_stays_prose():
    assert reflow(["What I measured:", *TABLE]) == [
        Segment("prose", ["What I measured:"]), Segment("fixed", TABLE)]


def test_columns_separated_by_bars_or_tabs_are_a_table():
    bars = ["name       | dose", "Mg citrate | 300 mg"]
    tabs = ["name\tdose", "Mg citrate\t300 mg"]
    assert reflow(bars) == [Segment("fixed", bars)]
    assert reflow(tabs) == [Segment("fixed", tabs)]


def test_gaps_that_do_not_line_up_are_no_table():
    lines = ["of a specialist in  the north carolina research triangle  park",
             "area (raleigh/durham/chapel  hill) who is familiar with it."]
    assert kinds(reflow(lines)) == ["prose"]


def test_two_spaces_after_a_full_stop_are_no_gap():
    lines = ["I tried it.  It helped.  Then it", "stopped.  Now I wonder.  Do you?"]
    assert fixed_lines(lines) is None


def test_justified_prose_is_prose():
    lines = ["grades and a fine educational foundation in high school in  order",
             "to (b) be accepted by a good college and spend four years  taking",
             "the rest."]
    assert reflow(lines) == [Segment("prose", [" ".join(lines)])]


@pytest.mark.parametrize("line", [
    "----------", "=-=-=-=-=-=-=-=", "* * * * *", "________________________",
])
def test_a_rule_is_fixed_even_between_paragraphs(line):
    assert reflow([WRAPPED[0], line, WRAPPED[2]]) == [
        Segment("prose", [WRAPPED[0]]), Segment("fixed", [line]),
        Segment("prose", [WRAPPED[2]])]


def test_ascii_art_and_box_drawing_are_fixed():
    art = ["   /\\_/\\", "  ( o.o )", "   > ^ <"]
    box = ["┌──────┐", "│ dose │", "└──────┘"]
    assert reflow(art) == [Segment("fixed", art)]
    assert reflow(box) == [Segment("fixed", box)]


def test_code_is_fixed_with_its_unmarked_lines():
    code = ["int main(void) {", "    int x = f(1);", "    return x", "}"]
    assert reflow(["Try this:", *code]) == [
        Segment("prose", ["Try this:"]), Segment("fixed", code)]


def test_a_paragraph_of_code_is_fixed_whole():
    code = ["if (x > 0) {", "    y = 1;", "}", "else", "    y = 2;"]
    assert reflow(code) == [Segment("fixed", code)]


def test_an_indented_paragraph_with_code_signs_is_fixed():
    lines = ["Run this:", "", "    $ ls -l /var/mail", "    $ grep magnesium *"]
    assert reflow(lines) == [Segment("prose", ["Run this:"]),
                             Segment("fixed", lines[2:])]


def test_an_indented_paragraph_of_prose_is_prose():
    lines = ["She wrote:", "", "    The study found that magnesium helped most",
             "    of the patients, though not all of them."]
    assert reflow(lines) == [
        Segment("prose", ["She wrote:"]),
        Segment("prose", ["The study found that magnesium helped most of the "
                          "patients, though not all of them."])]


def test_a_lone_line_of_code_among_prose_is_prose():
    lines = ["I wrote the loop exactly as the book told me to write it, namely as",
             "for (i = 0; i < n; i++) {",
             "and it never ended, which surprised nobody but me at the time."]
    assert fixed_lines(lines) == [False, False, False]
    assert reflow(lines) == [Segment("prose", [lines[0] + " " + lines[1], lines[2]])]


def test_blank_lines_inside_code_stay_inside_it():
    code = ["x = f(1);", "", "y = g(2);"]
    assert reflow(code) == [Segment("fixed", code)]


@pytest.mark.parametrize("marks", ["|> ", "  > ", "KH> "])
def test_quote_marks_the_splitter_left_keep_their_lines(marks):
    lines = [marks + "a quoted line that was wrapped by", marks + "the editor."]
    assert reflow(lines) == [Segment("fixed", lines)]


def test_a_patch_is_fixed_from_gits_separator_to_the_end():
    lines = ["Fix the build.", "", "---", " Makefile | 2 +-", "",
             "diff --git a/Makefile b/Makefile", "--- a/Makefile", "+++ b/Makefile",
             "@@ -1,2 +1,2 @@", "- old line", "+ new line", ""]
    assert reflow(lines) == [Segment("prose", ["Fix the build."]),
                             Segment("fixed", lines[2:-1])]


def test_reflow_of_nothing_is_nothing():
    assert reflow([]) == []
    assert reflow(["", "  "]) == []


# -- real posts ------------------------------------------------------------------


def text_blocks(body: str) -> list[list[str]]:
    return [block.lines for block in split_blocks(body.split("\n"))
            if block.kind == "text"]


def sci_med(number: str) -> str:
    path = corpus("usenet-20news", "spool", "sci.med", number)
    return parse_message(path.read_bytes(), str(path), "0", newsgroups=True).body_text


@pytest.mark.corpus
def test_a_hard_wrapped_usenet_post_becomes_one_paragraph():
    [block] = text_blocks(sci_med("59590"))
    assert reflow(block) == [Segment("prose", [
        "I remember as a kid visiting my relatives on Kauai, and one of the things "
        "that really frightened me was centipedes.  I'd been told they were "
        "poisonous and infrequently one would pop up and scare the heck out of "
        "me.  Once one came out of the vacuum cleaner and it seemed like it was "
        "at least a foot long and moving at 35 miles an hour!"])]


@pytest.mark.corpus
def test_a_post_with_ascii_art_keeps_the_art_and_reflows_the_prose():
    [block] = text_blocks(sci_med("58953"))
    segments = reflow(block)
    assert kinds(segments) == [
        "prose", "prose", "fixed", "prose", "fixed", "prose", "fixed", "prose",
        "prose", "prose", "prose", "fixed", *["prose"] * 8]
    assert segments[0].lines == [
        "As promised, below is a personal critique of a Pressure Point Massager "
        "I recently bought from the Self Care Catalog.  I am very pleased with "
        "the results.  The catalog description is as follows:"]
    assert segments[2].lines == ["\tPressure Point Massager    A2623   $109"]
    assert segments[11].lines == [
        "                 _______________________________",
        "                |  __    _______________    __  |",
        "                | |  |  |\t\t|  |  | |",
        "                | |  |  |  \\^^/   \\^^/  |  |  | |",
        "                | |  |  |   ||     ||   |  |  | |",
        "                | |  |  |\t\t|  |  | |",
        "                | |  |  |_______________|  |  | |",
        "                | |__|\t\t\t   |__| |",
        "                |_______________________________|"]
    assert segments[-1].lines == [
        "Robin Coutellier", "Northern Telecom, Mountain View, CA",
        "INTERNET: robin@ntmtv.com", "UUCP:portal!ntmtv!robin"]


@pytest.mark.corpus
def test_justified_columns_of_a_reprinted_article_become_paragraphs():
    blocks = text_blocks(sci_med("59261"))
    segments = [segment for block in blocks for segment in reflow(block)]
    assert [s.lines for s in segments if s.kind == "fixed"] == [["_" * 76]] * 2
    assert ("grades and a fine educational foundation in high school in  order "
            "to (b) be accepted by a good college") in " ".join(
                line for s in segments for line in s.lines)


RULE = "=-" * 39  # the mailing list's footer rule


@pytest.mark.corpus
def test_r_code_in_a_mailing_list_post_stays_fixed():
    messages = list(iter_pipermail(corpus("pipermail", "r-devel", "1997-April.txt")))
    post = messages[2]
    assert post.message_id == "9704030750.AA03413@"
    quotes = [block.lines for block in split_blocks(post.body_text.split("\n"))
              if block.kind == "quote"]
    assert [  # supercite's initials quote: shown as a quote, not as text
        "KH>> * I am also not sure whether one should include the write.table()",
        "KH>> function I posted some time ago.  It seems to be a bad idea to make a",
        "KH>> contrib package out of it (containing only a single function ...)."
    ] in quotes
    segments = [s for block in text_blocks(post.body_text) for s in reflow(block)]
    fixed = [s.lines for s in segments if s.kind == "fixed"]
    code = fixed[0]  # 43 lines of R, then the list's rule after a blank line
    assert len(code) == 45
    assert code[0] == 'write <- function(x, file = "data", ...) UseMethod("write")'
    assert code[-4:-2] == [
        'write.matrix     <- function(x, file = "data", rownames = TRUE)',
        "  write(data.frame(as.matrix(x)), file=file, rownames=rownames)"]
    assert code[-2:] == ["", RULE]
    assert "  ##-- NOTE: read.table(file) may still give different data.frame --" in (
        code)
    assert segments[-2:] == [
        Segment("prose", [
            "r-devel mailing list -- Read http://www.ci.tuwien.ac.at/~hornik/R/"
            'R-FAQ.html Send "info", "help", or "[un]subscribe"',
            '(in the "body", not the subject !)  To: '
            "r-devel-request@stat.math.ethz.ch"]),
        Segment("fixed", [RULE])]


@pytest.mark.corpus
def test_a_git_patch_mail_keeps_the_patch_fixed():
    messages = list(iter_mbox(corpus("notmuch-mail", "notmuch-default.mbox")))
    post = messages[0]
    assert post.message_id.startswith("1258471718-6781-1-git-send-email")
    [block] = text_blocks(post.body_text)
    segments = reflow(block)
    assert kinds(segments) == ["prose", "prose", "fixed"]
    assert segments[2].lines[0] == "---"
    assert segments[2].lines[-1] == "     message->line = NULL;"


@pytest.mark.corpus
def test_code_inside_a_reply_stays_fixed_and_numbered_points_are_a_list():
    messages = list(iter_mbox(corpus("notmuch-mail", "notmuch-default.mbox")))
    reply, question = messages[20], messages[17]
    segments = [s for block in text_blocks(reply.body_text) for s in reflow(block)]
    code = [s.lines for s in segments if s.kind == "fixed"]
    assert code == [[
        "char* strndup(char* str, size_t n) {",
        "  // Stupid implementation of strndup since macos isn't born with",
        "  // one.", "  size_t len = strlen(str);", "  if (len <= n)",
        "    return StrDup(str);", "  char* result = new char[n+1];",
        "  size_t i;", "  for (i = 0; i <= n; i++)", "    result[i] = str[i];",
        "  result[i] = '\\0';", "  return result;", "}"]]
    items = [s.lines[0] for block in text_blocks(question.body_text)
             for s in reflow(block) if s.kind == "list"]
    assert items[:2] == [
        "1. g++ reports 'warning: command line option \"-Wmissing-declarations\" "
        "is valid for C/ObjC but not for C++'",
        "3. Several errors about missing GNU extensions like getline() and "
        "strndup():"]
