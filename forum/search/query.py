"""What a reader types in the search box, parsed into a `forum.search.ast` tree.

The language follows Gmail and public-inbox: words are ANDed, OR binds tighter
than the implicit AND (`a b OR c` is a AND (b OR c)), brackets group, `-word`
and `NOT word` exclude, `word*` is a prefix, `"..."` a phrase, and `s:` `f:`
`b:` `q:` `nq:` `group:` `thread:` `label:` `has:` `pmid:` `d:` `before:`
`after:` limit a clause; moderators also have `is:flagged` (posts with a
reader's flag waiting), which is `has:flagged` in the tree.  An unknown `xyz:`
is not an operator, so `http://foo` and `1:2` are searched as words.  Every
failure is a `BadQuery` whose message says what to change; nothing else
escapes, and work is bounded by MAX_CHARS and MAX_CLAUSES.
templates/search/help.html documents the language for readers.

Here the text becomes tokens, the tokens a tree.  The operators and their
rules are in `query_operators`, date values in `query_dates`, and what the
results page says about a tree in `query_explain`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from forum.search import ast
from forum.search.query_dates import date_range
from forum.search.query_operators import (
    DATE_OPERATORS,
    EXACT_OPERATORS,
    EXACT_VALUES,
    EXAMPLES,
    FLAGGED,
    KEYWORDS,
    TEXT_OPERATORS,
    BadQuery,
    shown,
)
from forum.search.words import words_of

# The parser's public names; the language's vocabulary and `BadQuery` are
# imported from query_operators, the results page's explanations from
# query_explain.
__all__ = ["MAX_CHARS", "MAX_CLAUSES", "parse_query"]

MAX_CHARS = 1000
MAX_CLAUSES = 50
MAX_DEPTH = 10
PREFIX_LIMIT = 64
MIN_PREFIX = 2
# The largest number the databases' INTEGER id columns hold (PostgreSQL's is
# 32-bit); a larger thread number overflowed the engines' integer fields.
MAX_THREAD = 2**31 - 1

_OPERATOR = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_STOP = frozenset('()"')


def parse_query(text: str, *, today: date | None = None) -> ast.Node:
    """Parse what a reader typed into a query tree, or raise `BadQuery`."""
    if not text.strip():
        raise BadQuery("Type something to search for")
    if len(text) > MAX_CHARS:
        raise BadQuery(f"That query is {len(text):,} characters long: "
                       f"shorten it to {MAX_CHARS:,} or fewer")
    today = today or datetime.now(UTC).date()
    tokens = _Lexer(text, today).tokens()
    clauses = sum(token.kind == "atom" for token in tokens)
    if clauses > MAX_CLAUSES:
        raise BadQuery(f"That query has {clauses} parts: use at most {MAX_CLAUSES}")
    node = _Parser(text, tokens).parse()
    if node is None:
        raise BadQuery("Nothing to search for: type a word of letters or digits")
    if not _is_positive(node):
        raise BadQuery("A query can't be only exclusions: add a word to search for")
    return node


# -- reading tokens ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "-", "OR", "AND", "NOT" or "atom"
    pos: int
    node: ast.Node | None = None


class _Lexer:
    def __init__(self, text: str, today: date) -> None:
        self.text, self.today, self.i = text, today, 0
        self.out: list[_Token] = []

    def tokens(self) -> list[_Token]:
        text = self.text
        while self.i < len(text):
            char, start = text[self.i], self.i
            if char.isspace():
                self.i += 1
            elif char in "()":
                self.i += 1
                self.out.append(_Token(char, start))
            elif char == "-" and text[self.i + 1:self.i + 2].strip() not in ("", ")"):
                self.i += 1
                self.out.append(_Token("-", start))
            elif char == '"':
                self.out.append(_Token("atom", start, _words(self._quoted(), None)))
            else:
                self.out.append(self._word(start))
        return self.out

    def _quoted(self) -> str:
        """The text between a pair of quotes, the opening one at `self.i`."""
        end = self.text.find('"', self.i + 1)
        if end < 0:
            after = shown(self.text[self.i + 1:])
            raise BadQuery(f'Unclosed quote: add a " after "{after}')
        inner, self.i = self.text[self.i + 1:end], end + 1
        return inner

    def _word(self, start: int) -> _Token:
        end = start
        while end < len(self.text) and not (
                self.text[end].isspace() or self.text[end] in _STOP):
            end += 1
        word, self.i = self.text[start:end], end
        after_minus = bool(self.out) and self.out[-1].kind == "-"
        if word in KEYWORDS and not after_minus:
            return _Token(word, start)
        match = _OPERATOR.fullmatch(word)
        name = match.group(1).lower() if match else ""
        if match and (name in TEXT_OPERATORS or name in EXACT_OPERATORS
                      or name in DATE_OPERATORS):
            return _Token("atom", start, self._operator(name, match.group(2)))
        return _Token("atom", start, _plain(word, None))

    def _operator(self, name: str, value: str) -> ast.Node | None:
        quoted = False
        if not value and self.text.startswith('"', self.i):
            value, quoted = self._quoted(), True
        if not value.strip():
            example = EXAMPLES.get(TEXT_OPERATORS.get(name, name))
            raise BadQuery(f"Put what to look for right after {name}: with no "
                           f"space, e.g. {example}")
        if name in TEXT_OPERATORS:
            field = TEXT_OPERATORS[name]
            return _words(value, field) if quoted else _plain(value, field)
        if name in EXACT_OPERATORS:
            return _exact(name, value.strip())
        return date_range(name, value.strip(), self.today)


# -- leaves ------------------------------------------------------------------------


def _words(text: str, field: str | None) -> ast.Node | None:
    """A word, or a phrase where the text holds several (`www.nih.gov`)."""
    words = words_of(text)
    if not words:
        return None
    if len(words) == 1:
        return ast.Term(words[0], field)
    return ast.Phrase(tuple(words), field)


def _plain(token: str, field: str | None) -> ast.Node | None:
    """An unquoted token: `word*` is a prefix, anything else its words."""
    if not token.endswith("*"):
        return _words(token, field)
    words = words_of(token.rstrip("*"))
    if len(words) > 1:
        raise BadQuery(f'"{token}": a * can only end a single word, e.g. magnes*')
    if not words or len(words[0]) < MIN_PREFIX:
        raise BadQuery(f'"{token}" is too short: type at least {MIN_PREFIX} '
                       "letters or digits before the *")
    return ast.Prefix(words[0], field, PREFIX_LIMIT)


def _exact(name: str, value: str) -> ast.Exact:
    pattern, rule = EXACT_VALUES[name]
    if name == "is":
        value = value.lower()
    if not re.fullmatch(pattern, value):
        raise BadQuery(f"{name}: takes {rule}, e.g. {EXAMPLES[name]} "
                       f'(not "{shown(value)}")')
    if pattern == "[0-9]+":
        value = str(int(value))
    if name == "thread" and int(value) > MAX_THREAD:
        raise BadQuery(f"There is no thread {shown(value)}: thread numbers "
                       f"go up to {MAX_THREAD}")
    if name == "is":
        return FLAGGED
    return ast.Exact(name, value.lower())


# -- structure ---------------------------------------------------------------------


class _Parser:
    """query := and; and := or ([AND] or)*; or := unary (OR unary)*;
    unary := ("-" | NOT)* atom; atom := "(" and ")" | leaf."""

    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text, self.tokens, self.i = text, tokens, 0

    def parse(self) -> ast.Node | None:
        node = self._and(0)
        if self.i < len(self.tokens):  # only a ")" stops _and early
            raise BadQuery("A ) has no ( to match: remove it or add a ( before it")
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.i].kind if self.i < len(self.tokens) else None

    def _and(self, depth: int) -> ast.Node | None:
        children = []
        while (kind := self._peek()) not in (None, ")"):
            if kind in ("AND", "OR"):  # an OR here has nothing before it
                self._keyword_needs_sides(kind)
                continue
            children.append(self._or(depth))
        return _combine(ast.And, children)

    def _or(self, depth: int) -> ast.Node | None:
        children = [self._unary(depth)]
        while self._peek() == "OR":
            self._keyword_needs_sides("OR")
            children.append(self._unary(depth))
        node = _combine(ast.Or, children)
        if isinstance(node, ast.Or) and not all(map(_is_positive, node.children)):
            raise BadQuery("Each side of OR needs a word to search for, not only "
                           "an exclusion like -calcium")
        return node

    def _keyword_needs_sides(self, keyword: str) -> None:
        has_left = self.i > 0 and self.tokens[self.i - 1].kind in ("atom", ")")
        self.i += 1
        if not has_left or self._peek() in (None, ")", "OR", "AND"):
            raise BadQuery(f"{keyword} needs something to search for on both "
                           f"sides, e.g. magnesium {keyword} calcium")

    def _unary(self, depth: int) -> ast.Node | None:
        negated = False
        while self._peek() in ("-", "NOT"):
            self.i += 1
            if self._peek() in (None, ")", "OR", "AND"):
                raise BadQuery("NOT needs something after it, e.g. NOT calcium")
            negated = not negated
        node = self._atom(depth)
        if not negated or node is None:
            return node
        return node.child if isinstance(node, ast.Not) else ast.Not(node)

    def _atom(self, depth: int) -> ast.Node | None:
        token = self.tokens[self.i]
        self.i += 1
        if token.kind == "atom":
            return token.node
        if depth >= MAX_DEPTH:
            raise BadQuery(f"Brackets are nested more than {MAX_DEPTH} deep: "
                           "take some out")
        if self._peek() == ")":
            raise BadQuery("Empty brackets: put words inside ( ) or remove them")
        node = self._and(depth + 1)
        if self._peek() != ")":
            raise BadQuery("Unclosed bracket: add a ) to close "
                           f'"({shown(self.text[token.pos + 1:])}"')
        self.i += 1
        return node


def _combine(
    kind: type[ast.And] | type[ast.Or], children: list[ast.Node | None]
) -> ast.Node | None:
    """And/Or of the children, flattened, with empty clauses left out."""
    flat: list[ast.Node] = []
    for child in children:
        if isinstance(child, ast.And | ast.Or) and isinstance(child, kind):
            flat.extend(child.children)
        elif child is not None:
            flat.append(child)
    if len(flat) <= 1:
        return flat[0] if flat else None
    return kind(tuple(flat))


def _is_positive(node: ast.Node) -> bool:
    """Whether the node asks for something to be present, not only absent."""
    if isinstance(node, ast.Not):
        return False
    if isinstance(node, ast.And):
        return any(map(_is_positive, node.children))
    if isinstance(node, ast.Or):
        return all(map(_is_positive, node.children))
    return True
