"""The search box language: what a reader types -> the engine-independent tree."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forum.errors import ForumError
from forum.search import ast
from forum.search.query import parse_query
from forum.search.query_explain import describe, positive_terms
from forum.search.query_operators import (
    DATE_OPERATORS,
    EXACT_OPERATORS,
    KEYWORDS,
    TEXT_OPERATORS,
    BadQuery,
)
from forum.search.words import words_of

TODAY = date(2024, 3, 31)
T, P, X, E = ast.Term, ast.Phrase, ast.Prefix, ast.Exact
Not = ast.Not


def And(*children):
    return ast.And(children)


def Or(*children):
    return ast.Or(children)


def D(start=None, end=None):
    return ast.DateRange(start, end)


def day(text):
    return date.fromisoformat(text)


def parse(text):
    return parse_query(text, today=TODAY)


WORDS = [
    ("magnesium", T("magnesium")),
    ("Magnesium Deficiency", And(T("magnesium"), T("deficiency"))),
    ("vitamin B12", And(T("vitamin"), T("b12"))),
    ("Straße café", And(T("strasse"), T("café"))),
    ("a AND b", And(T("a"), T("b"))),
    ("!!! magnesium", T("magnesium")),
    ('magnesium ""', T("magnesium")),
    # One token of several index words is a phrase of them.
    ("www.ncbi.nlm.nih.gov", P(("www", "ncbi", "nlm", "nih", "gov"))),
    ('"www.ncbi.nlm.nih.gov"', P(("www", "ncbi", "nlm", "nih", "gov"))),
    ("well-known", P(("well", "known"))),
    ("don't", P(("don", "t"))),
    ('"Muscle   SPASMS"', P(("muscle", "spasms"))),
    ('"magnesium"', T("magnesium")),
    ('"magnes*"', T("magnes")),
    ('low"magnesium levels"', And(T("low"), P(("magnesium", "levels")))),
    # An unknown `xyz:` is words, never an error.
    ("http://foo", P(("http", "foo"))),
    ("ratio 1:2", And(T("ratio"), P(("1", "2")))),
    ("xyz:word", P(("xyz", "word"))),
    ("Re: magnesium", And(T("re"), T("magnesium"))),
]

OR_AND_BRACKETS = [
    ("a OR b", Or(T("a"), T("b"))),
    ("a OR b OR c", Or(T("a"), T("b"), T("c"))),
    # OR binds tighter than the implicit AND, as in Gmail and public-inbox.
    ("a b OR c", And(T("a"), Or(T("b"), T("c")))),
    ("a OR b c", And(Or(T("a"), T("b")), T("c"))),
    ("a OR b AND c", And(Or(T("a"), T("b")), T("c"))),
    ("a or b", And(T("a"), T("or"), T("b"))),
    ("(a b) OR c", Or(And(T("a"), T("b")), T("c"))),
    ("(a OR b) (c OR d)", And(Or(T("a"), T("b")), Or(T("c"), T("d")))),
    ("a (b (c OR d))", And(T("a"), T("b"), Or(T("c"), T("d")))),
    ("((a))", T("a")),
    ("(a OR b) OR c", Or(T("a"), T("b"), T("c"))),
    ("a OR (b -c)", Or(T("a"), And(T("b"), Not(T("c"))))),
    ('s:"muscle spasms" OR f:london',
     Or(P(("muscle", "spasms"), "subject"), T("london", "author"))),
]

NEGATION = [
    ("magnesium -calcium", And(T("magnesium"), Not(T("calcium")))),
    ("magnesium NOT calcium", And(T("magnesium"), Not(T("calcium")))),
    ('magnesium -"muscle spasms"',
     And(T("magnesium"), Not(P(("muscle", "spasms"))))),
    ("magnesium -f:london", And(T("magnesium"), Not(T("london", "author")))),
    ("magnesium -group:misc.health",
     And(T("magnesium"), Not(E("group", "misc.health")))),
    ("magnesium -(calcium OR zinc)",
     And(T("magnesium"), Not(Or(T("calcium"), T("zinc"))))),
    ("-magnes* calcium", And(Not(X("magnes")), T("calcium"))),
    ("-calcium magnesium", And(Not(T("calcium")), T("magnesium"))),
    ("a -(-b)", And(T("a"), T("b"))),
    ("a --b", And(T("a"), T("b"))),
    ("a NOT -b", And(T("a"), T("b"))),
    ("a - b", And(T("a"), T("b"))),
    ("a -OR", And(T("a"), Not(T("or")))),
    ("a (b -c) d", And(T("a"), T("b"), Not(T("c")), T("d"))),
]

PREFIXES = [
    ("magnes*", X("magnes")),
    ("Magnes**", X("magnes")),
    ("ab*", X("ab")),
    ("s:magnes*", X("magnes", "subject")),
    ("nq:spasm*", X("spasm", "new")),
]

FIELDS = [
    ("s:magnesium", T("magnesium", "subject")),
    ("S:Magnesium", T("magnesium", "subject")),
    ("subject:magnesium", T("magnesium", "subject")),
    ('s:"muscle spasms"', P(("muscle", "spasms"), "subject")),
    ("f:london", T("london", "author")),
    ("from:london", T("london", "author")),
    ("author:london", T("london", "author")),
    ("f:john.smith", P(("john", "smith"), "author")),
    ("f:\"O'Brien\"", P(("o", "brien"), "author")),
    ("b:magnesium", T("magnesium", "body")),
    ("body:magnesium", T("magnesium", "body")),
    ("q:magnesium", T("magnesium", "quoted")),
    ("nq:magnesium", T("magnesium", "new")),
    ("s:foo:bar", P(("foo", "bar"), "subject")),
    ("group:misc.health", E("group", "misc.health")),
    ("group:Alt.Support.CFS", E("group", "alt.support.cfs")),
    ("group:comp.lang.c++", E("group", "comp.lang.c++")),
    ("group:patient.info/forums/vitamins",
     E("group", "patient.info/forums/vitamins")),
    ("group:alt.health-news", E("group", "alt.health-news")),
    ('group:"misc.health"', E("group", "misc.health")),
    ("thread:123", E("thread", "123")),
    ("thread:007", E("thread", "7")),
    ("label:Unsupported", E("label", "unsupported")),
    ("has:citation", E("has", "citation")),
    ("is:flagged", E("has", "flagged")),
    ("IS:Flagged", E("has", "flagged")),
    ("pmid:12345", E("pmid", "12345")),
    ("group:misc.health magnesium",
     And(E("group", "misc.health"), T("magnesium"))),
]

DATES = [
    ("d:2000", D(day("2000-01-01"), day("2001-01-01"))),
    ("d:2000-10", D(day("2000-10-01"), day("2000-11-01"))),
    ("d:2000-12", D(day("2000-12-01"), day("2001-01-01"))),
    ("d:2000-02-29", D(day("2000-02-29"), day("2000-03-01"))),
    ("d:2000-12-31", D(day("2000-12-31"), day("2001-01-01"))),
    ("d:1999-6-5", D(day("1999-06-05"), day("1999-06-06"))),
    ("date:2000-10", D(day("2000-10-01"), day("2000-11-01"))),
    ("d:2000-10..2000-12", D(day("2000-10-01"), day("2001-01-01"))),
    ("d:2000..2000", D(day("2000-01-01"), day("2001-01-01"))),
    ("d:1999-12-31..2000-01-01", D(day("1999-12-31"), day("2000-01-02"))),
    ("d:2000..", D(day("2000-01-01"), None)),
    ("d:..1999-06", D(None, day("1999-07-01"))),
    ("d:..2000-12", D(None, day("2001-01-01"))),
    ("before:2000", D(None, day("2000-01-01"))),
    ("before:2000-10", D(None, day("2000-10-01"))),
    ("before:2000-10-15", D(None, day("2000-10-15"))),
    ("after:2000", D(day("2001-01-01"), None)),
    ("after:2000-10", D(day("2000-11-01"), None)),
    ("after:2000-12-31", D(day("2001-01-01"), None)),
    ("after:2000-02", D(day("2000-03-01"), None)),
    ("d:today", D(TODAY, day("2024-04-01"))),
    ("d:yesterday", D(day("2024-03-30"), TODAY)),
    ("d:3.days.ago..", D(day("2024-03-28"), None)),
    ("d:2.weeks.ago..", D(day("2024-03-17"), None)),
    ("d:1.month.ago..", D(day("2024-02-29"), None)),
    ("d:1.year.ago..today", D(day("2023-03-31"), day("2024-04-01"))),
    ("s:magnesium d:2000-10..2000-12",
     And(T("magnesium", "subject"), D(day("2000-10-01"), day("2001-01-01")))),
    ("magnesium -d:2000", And(T("magnesium"), Not(D(day("2000-01-01"),
                                                     day("2001-01-01"))))),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    WORDS + OR_AND_BRACKETS + NEGATION + PREFIXES + FIELDS + DATES,
)
def test_parse(text, expected):
    assert parse(text) == expected


def test_prefixes_are_capped():
    assert parse("magnes*").limit == 64


ERRORS = [
    ("", "Type something to search for"),
    ("  \t\n ", "Type something to search for"),
    ("!!! ...", "Nothing to search for: type a word of letters or digits"),
    ('"muscle spasm', 'Unclosed quote: add a " after "muscle spasm'),
    ('s:"muscle spasm', 'Unclosed quote: add a " after "muscle spasm'),
    ('a "' + "x" * 40, 'Unclosed quote: add a " after "' + "x" * 30 + "…"),
    ("-calcium", "A query can't be only exclusions: add a word to search for"),
    ("-a -b", "A query can't be only exclusions: add a word to search for"),
    ("NOT calcium", "A query can't be only exclusions: add a word to search for"),
    ("-(a b)", "A query can't be only exclusions: add a word to search for"),
    ("-f:london", "A query can't be only exclusions: add a word to search for"),
    ("a OR -b", "Each side of OR needs a word to search for, not only an "
                "exclusion like -calcium"),
    ("a OR NOT b", "Each side of OR needs a word to search for, not only an "
                   "exclusion like -calcium"),
    ("d:2000-13", 'Unknown date "2000-13": use YYYY, YYYY-MM or YYYY-MM-DD'),
    ("d:2000-02-30", 'Unknown date "2000-02-30": use YYYY, YYYY-MM or YYYY-MM-DD'),
    ("d:2001-02-29", 'Unknown date "2001-02-29": use YYYY, YYYY-MM or YYYY-MM-DD'),
    ("d:0000", 'Unknown date "0000": use YYYY, YYYY-MM or YYYY-MM-DD'),
    ("d:March", 'Unknown date "March": use YYYY, YYYY-MM or YYYY-MM-DD'),
    ("d:2000..2000-1x", 'Unknown date "2000-1x": use YYYY, YYYY-MM or YYYY-MM-DD'),
    ("before:2000..2001",
     'Unknown date "2000..2001": use YYYY, YYYY-MM or YYYY-MM-DD'),
    ("d:9999.years.ago",
     'Unknown date "9999.years.ago": use YYYY, YYYY-MM or YYYY-MM-DD'),
    ("d:2001..2000", 'The dates in "2001..2000" are the wrong way round: '
                     "put the earlier one first"),
    ("d:..", "Put a date on at least one side of the .., e.g. d:2000.. or "
             "d:..1999-06"),
    ("m*", '"m*" is too short: type at least 2 letters or digits before the *'),
    ("*", '"*" is too short: type at least 2 letters or digits before the *'),
    ("well-kn*", '"well-kn*": a * can only end a single word, e.g. magnes*'),
    ("thread:abc", 'thread: takes a thread number, digits only, e.g. thread:123 '
                   '(not "abc")'),
    ("pmid:PMC123", 'pmid: takes a PubMed id, digits only, e.g. pmid:12345 '
                    '(not "PMC123")'),
    ('group:"misc health"', "group: takes letters, digits and . - + / only, "
                            'e.g. group:misc.health (not "misc health")'),
    ("label:a.b", 'label: takes one word, e.g. label:unsupported (not "a.b")'),
    ("is:hidden", 'is: takes flagged only, e.g. is:flagged (not "hidden")'),
    ("group:misc.*", "group: takes letters, digits and . - + / only, "
                     'e.g. group:misc.health (not "misc.*")'),
    ("s:", "Put what to look for right after s: with no space, e.g. s:magnesium"),
    ("s: magnesium",
     "Put what to look for right after s: with no space, e.g. s:magnesium"),
    ('f:""', "Put what to look for right after f: with no space, e.g. f:london"),
    ("before: 2000",
     "Put what to look for right after before: with no space, e.g. before:2001"),
    ("a OR", "OR needs something to search for on both sides, e.g. magnesium "
             "OR calcium"),
    ("OR a", "OR needs something to search for on both sides, e.g. magnesium "
             "OR calcium"),
    ("a OR OR b", "OR needs something to search for on both sides, e.g. "
                  "magnesium OR calcium"),
    ("(OR a)", "OR needs something to search for on both sides, e.g. "
               "magnesium OR calcium"),
    ("a AND", "AND needs something to search for on both sides, e.g. "
              "magnesium AND calcium"),
    ("a NOT", "NOT needs something after it, e.g. NOT calcium"),
    ("(a NOT) b", "NOT needs something after it, e.g. NOT calcium"),
    ("(a b", 'Unclosed bracket: add a ) to close "(a b"'),
    ("x (a (b c)", 'Unclosed bracket: add a ) to close "(a (b c)"'),
    ("a b)", "A ) has no ( to match: remove it or add a ( before it"),
    ("a () b", "Empty brackets: put words inside ( ) or remove them"),
    ("(" * 11 + "a" + ")" * 11,
     "Brackets are nested more than 10 deep: take some out"),
    ("x" * 1001, "That query is 1,001 characters long: shorten it to 1,000 "
                 "or fewer"),
    (" ".join(["w"] * 51), "That query has 51 parts: use at most 50"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_bad_queries_say_what_to_change(text, message):
    with pytest.raises(BadQuery) as caught:
        parse(text)
    assert str(caught.value) == message


def test_bad_query_is_a_forum_error():
    assert issubclass(BadQuery, ForumError)


@pytest.mark.parametrize(
    "text",
    ["x" * 1000, " ".join(["w"] * 50), "(" * 10 + "a" + ")" * 10, "-" * 998 + "a"],
)
def test_limits_are_inclusive(text):
    assert parse(text)


def test_relative_dates_default_to_today_in_utc():
    found = parse_query("d:today")
    now = datetime.now(UTC).date()
    assert found.end - found.start == timedelta(days=1)
    assert abs(found.start - now) <= timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("www.ncbi.nlm.nih.gov", ["www", "ncbi", "nlm", "nih", "gov"]),
        ("Don't PANIC, 42!", ["don", "t", "panic", "42"]),
        ("snake_case Straße", ["snake", "case", "strasse"]),
        ("— … ", []),
    ],
)
def test_words_of_splits_as_the_index_does(text, words):
    assert words_of(text) == words


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("s:magnesium d:2000-10..2000-12",
         "subject contains 'magnesium' and dated 2000-10-01 to 2000-12-31"),
        ('"muscle spasms" -calcium', "\"muscle spasms\" and not 'calcium'"),
        ("a b OR c", "'a' and ('b' or 'c')"),
        ("(a b) OR c", "('a' and 'b') or 'c'"),
        ("magnes* -f:london", "a word starting 'magnes' and not "
                              "(author contains 'london')"),
        ("q:magnesium nq:calcium", "quoted text contains 'magnesium' and "
                                   "new text contains 'calcium'"),
        ("group:misc.health thread:7 label:unsupported has:citation pmid:12345",
         "in group misc.health and in thread 7 and labelled 'unsupported' and "
         "has citation and cites PMID 12345"),
        ("d:2000-10-05", "dated 2000-10-05"),
        ("after:2000", "dated 2001-01-01 or later"),
        ("before:2000", "dated 1999-12-31 or earlier"),
        ("a -(b OR c)", "'a' and not ('b' or 'c')"),
    ],
)
def test_describe(text, description):
    assert describe(parse(text)) == description


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ('magnesium "muscle spasms" -calcium', ["magnesium", "muscle", "spasms"]),
        ("s:cramp OR b:cramp nq:magnes*", ["cramp", "magnes*"]),
        ("f:london group:misc.health d:2000 magnesium", ["magnesium"]),
        ("a -(b OR c) -d", ["a"]),
    ],
)
def test_positive_terms(text, terms):
    assert positive_terms(parse(text)) == terms


HELP = Path(__file__).resolve().parents[2] / "templates/search/help.html"
REFUSED_IN_HELP = {"-calcium", "magnesium OR -calcium"}


def test_help_documents_every_operator():
    text = HELP.read_text(encoding="utf-8")
    for name in {*TEXT_OPERATORS, *EXACT_OPERATORS, *DATE_OPERATORS}:
        assert f"<code>{name}:" in text, name


def test_help_examples_parse():
    """Every whole example on the help page means what the page says it does."""
    examples = re.findall(r"<code>(.*?)</code>", HELP.read_text(encoding="utf-8"))
    queries = [e for e in examples
               if words_of(e) and not e.endswith(":") and e not in KEYWORDS]
    assert len(queries) > 30
    for example in queries:
        if example in REFUSED_IN_HELP:
            with pytest.raises(BadQuery):
                parse(example)
        else:
            assert parse(example), example


# -- any input whatsoever gives a tree or a BadQuery --------------------------------

FRAGMENTS = [
    "magnesium", "Muscle", "a", "12", "OR", "AND", "NOT", "or", "-", "--", "(",
    ")", '"', '"x y"', "*", "ab*", "m*", ":", "s:", "f:", "b:", "q:", "nq:",
    "group:", "thread:", "label:", "has:", "pmid:", "d:", "date:", "before:",
    "after:", "xyz:", "..", "2000", "2000-13", "2000-02-29", "-10", "today",
    "3.days.ago", "http://x", "é", "ß", "\u0130", "\x00", "\t", " ", "  ",
]
queryish = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)
spaced = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(" ".join)


def check_tree(node, top=True):
    """Every tree is well formed, and the backend can compile every node."""
    assert isinstance(node, ast.Term | ast.Phrase | ast.Prefix | ast.Exact
                      | ast.DateRange | ast.Not | ast.And | ast.Or)
    if isinstance(node, ast.And | ast.Or):
        assert len(node.children) >= 2
        assert not any(isinstance(c, type(node)) for c in node.children)
        for child in node.children:
            check_tree(child, top=False)
    elif isinstance(node, ast.Not):
        assert not isinstance(node.child, ast.Not)
        check_tree(node.child, top=False)
    elif isinstance(node, ast.Term | ast.Prefix):
        assert words_of(node.text) == [node.text]
    elif isinstance(node, ast.Phrase):
        assert len(node.words) >= 2
    assert not (top and isinstance(node, ast.Not))


def parses_or_refuses(text):
    try:
        node = parse(text)
    except BadQuery as error:
        assert str(error)
        return
    check_tree(node)
    assert isinstance(describe(node), str)
    assert all(isinstance(term, str) for term in positive_terms(node))


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=300))
def test_fuzz_any_text(text):
    parses_or_refuses(text)


@settings(max_examples=500, deadline=None, database=None)
@given(st.one_of(queryish, spaced))
def test_fuzz_query_like_text(text):
    parses_or_refuses(text)


@settings(max_examples=50, deadline=None, database=None)
@given(st.text(alphabet='()-" OR', min_size=900, max_size=1000))
def test_fuzz_long_operator_soup_is_bounded(text):
    parses_or_refuses(text)
