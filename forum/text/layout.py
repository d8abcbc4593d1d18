"""Which lines of a block were laid out by hand: rule 1 of forum.text.reflow.

Rules, drawings, code, table rows, quotes the block splitter left, patches and
indented code are fixed (shown as written, in a fixed-width font); the lines
around them that belong to them join them, and a lone fixed line among prose
is prose.  forum.text.reflow states the rules in full; this module applies
them and hands back, for each line, whether it is fixed.

Lines are looked at one by one only where a search over the whole block, in
C, found what could make one fixed: this runs for every post shown.
"""

from __future__ import annotations

import re
import string

DRAWN_MIN_CHARS, DRAWN_MIN_MARKS = 3, 0.6
CODE_MIN_MARKS, CODE_MIN_SHARE = 3, 0.15
CODE_INDENT = 4
JUSTIFIED_MIN_LENGTH, JUSTIFIED_MIN_WORDS = 50, 6

# Bytes deleted to count a line's marks (ASCII neither letters, digits nor
# spaces) and its code marks.
_NOT_MARKS = (string.ascii_letters + string.digits + string.whitespace).encode()
_NOT_CODE_MARKS = bytes(sorted(set(range(256)) - set(b"{}[]<>;=|\\#$&~^`")))
_QUOTE_MARKS = ("|", ">")
_INITIALS_QUOTE = re.compile(r"[A-Za-z]{1,4}>")  # supercite's `KH> `
_BOX_DRAWING = re.compile("[\u2500-\u259f]")
_RULE_MARKS = frozenset("-=_*~#+.")
_RULE = re.compile(r"[-=_*~#+.](?: ?[-=_*~#+.]){3,}")
# A gap between columns: a `|`, or 2+ spaces or a tab, not after a sentence.
_GAP = re.compile(r"(?<=\S)(?:[ \t]*\|[ \t]*|(?<![.?!:])(?<![.?!:][\"')\]])"
                  r"(?: {2,}|\t)[ \t]*(?:\|[ \t]*)?)(?=\S)")
# Three marks in a row, spaces aside: a drawing's sign.
_MARK_RUN = re.compile(r"[!-/:-@\[-`{-~] *[!-/:-@\[-`{-~] *[!-/:-@\[-`{-~]")
# A line needs one of these or a run of marks for _kind to find anything
# (two searches: one expression for both is several times slower) ...
_SPECIAL = re.compile(r"[{}\[\]<>;=|\\#$&~^`\u2500-\u259f]")
# ... and for _cells: two spaces not after the end of a sentence, an inner tab
# (or a `|`, which _MARKED finds).
_GAPPED = re.compile(r"  (?<=[^\s.?!:]  )")
_INNER_TAB = re.compile(r"\t(?<=\S\t)")
_PATCH = re.compile(r"^(?:diff \S|@@ -\d|--- \S.*\n\+\+\+ \S)", re.MULTILINE)
# Signs of code: a call, an assignment, a statement's end, a shell prompt.
_CODE_SIGN = re.compile(r"\w\(|\s(?:=|==|<-|:=)\s|[;{}]$|^\s*[$%#>] \S")
_SPREADING = frozenset({"code", "table", "indented"})


def fixed_lines(lines: list[str], text: str | None = None) -> list[bool] | None:
    """For each right-stripped line, whether it was laid out by hand (rule 1);
    None when none was.  `text` is the lines joined, when the caller has it."""
    text = "\n".join(lines) if text is None else text
    kinds, cells = [""] * len(lines), {}
    marked = {*_lines_matching(_SPECIAL, text), *_lines_matching(_MARK_RUN, text)}
    for index in marked:
        kinds[index] = _kind(lines[index])
    gapped = {*_lines_matching(_GAPPED, text), *_lines_matching(_INNER_TAB, text),
              *(index for index in marked if "|" in lines[index])}
    for index in gapped:  # a rule, drawing or quote is fixed whatever its gaps
        if kinds[index] in ("", "code") and (line_cells := _cells(lines[index])):
            cells[index] = line_cells
    _ignore_justified(lines, cells)
    for index in cells:
        kinds[index] = kinds[index] or _table_row(lines, kinds, cells, index)
    paragraphs = None
    if text[:1] in " \t" or "\n\n " in text or "\n\n\t" in text:
        paragraphs = _paragraphs(lines)
        _mark_indented_code(lines, kinds, cells, paragraphs)
    if not any(kinds):
        return None
    _spread(lines, kinds, paragraphs or _paragraphs(lines))
    fixed = [bool(kind) for kind in kinds]
    _drop_lone_lines(lines, kinds, fixed)
    _bridge_blank_lines(lines, fixed)
    return fixed


def patch_start(text: str) -> int | None:
    """The line a patch starts on (rule 1), or None: git's `---` before the
    first `diff `, `@@ -` or `--- `/`+++ ` line, else that line."""
    if "\n@@ -" not in text and "diff " not in text and "\n+++ " not in text:
        return None  # the commonest case, decided by C searches
    found = _PATCH.search(text)
    if found is None:
        return None
    before = ("\n" + text).rfind("\n---\n", 0, found.start() + 2)
    return text.count("\n", 0, before if before >= 0 else found.start())


def _lines_matching(pattern: re.Pattern, text: str) -> list[int]:
    """Indices of the lines of `text` where `pattern` matches.

    One search over the block, in C: most lines of prose hold nothing rule 1
    looks at, and testing each line in Python doubled the time to render a
    post (rendering runs for every post shown).
    """
    found: list[int] = []
    index, position = 0, 0  # the line `position` is in
    while match := pattern.search(text, position):
        index += text.count("\n", position, match.start())
        found.append(index)
        position = text.find("\n", match.start())
        if position < 0:
            break
    return found


def _kind(line: str) -> str:
    """"rule", "drawn", "code" or "marked" (rule 1) from this line alone."""
    text = line.strip()
    ascii_text = text.encode("ascii", "ignore")  # counted in C, by bytes
    marks = len(ascii_text.translate(None, _NOT_MARKS))
    if not text.isascii() and _BOX_DRAWING.search(text):
        return "drawn"
    if not marks:
        return ""
    if text[0] in _RULE_MARKS and _RULE.fullmatch(text):
        return "rule"
    if text.startswith(_QUOTE_MARKS) or _INITIALS_QUOTE.match(text):
        return "marked"
    visible = len(text) - text.count(" ") - text.count("\t")
    if (visible >= DRAWN_MIN_CHARS and marks > visible * DRAWN_MIN_MARKS
            and _MARK_RUN.search(text)):
        return "drawn"
    code = len(ascii_text.translate(None, _NOT_CODE_MARKS))
    if code >= CODE_MIN_MARKS and code >= visible * CODE_MIN_SHARE:
        return "code"
    if text.endswith("{") or text.startswith("}") or text.endswith(";") and (
            "(" in text or ")" in text or "=" in text):
        return "code"
    if code and len(_CODE_SIGN.findall(text)) >= 2:
        return "code"
    return ""


def _cells(line: str) -> list[tuple[int, int]]:
    """Column spans of the text between the line's inner gaps, tabs expanded;
    empty when it has no gap."""
    if "  " not in line and "\t" not in line and "|" not in line:
        return []
    if "\t" in line:
        line = line.expandtabs()
    text = line.lstrip()
    indent = len(line) - len(text)
    cells, start = [], indent
    for gap in _GAP.finditer(text):
        cells.append((start, indent + gap.start()))
        start = indent + gap.end()
    if cells:
        cells.append((start, len(line)))
    return cells


def _ignore_justified(lines: list[str], cells: dict[int, list]) -> None:
    """Two long lines of words ending at one column, with gaps of 2-3 spaces
    only, are justified prose (a formatter spread the words): no columns."""
    pairs = [index for index in cells if index + 1 in cells
             and len(lines[index]) == len(lines[index + 1])]
    for index in pairs:
        if all(_justified(lines[at], cells[at]) for at in (index, index + 1)
               if at in cells):
            cells.pop(index, None)
            cells.pop(index + 1, None)


def _justified(line: str, cells: list[tuple[int, int]]) -> bool:
    return (len(line) >= JUSTIFIED_MIN_LENGTH and "|" not in line
            and len(line.split()) >= JUSTIFIED_MIN_WORDS
            and all(2 <= right[0] - left[1] <= 3
                    for left, right in zip(cells, cells[1:], strict=False)))


def _table_row(lines: list[str], kinds: list[str], cells: dict[int, list],
               index: int) -> str:
    """"table" if a neighbour is a rule or a drawing, or has a column that
    starts or ends where one of this line's does, or both have inner tabs."""
    edges, tabbed = _edges(cells[index]), "\t" in lines[index].strip()
    for other in (index - 1, index + 1):
        if 0 <= other < len(kinds) and kinds[other] in ("rule", "drawn"):
            return "table"
        if other in cells and (edges & _edges(cells[other])
                               or tabbed and "\t" in lines[other].strip()):
            return "table"
    return ""


def _edges(cells: list[tuple[int, int]]) -> set[tuple[str, int]]:
    found = {("start", start) for start, _ in cells[1:]}
    found.update(("end", end) for _, end in cells)
    return found


def indent_width(line: str) -> int:
    """Columns of leading white space, tabs expanded."""
    prefix = line[:len(line) - len(line.lstrip())]
    return len(prefix.expandtabs()) if "\t" in prefix else len(prefix)


def _paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each run of non-blank lines."""
    found, start = [], None
    for index, line in enumerate(lines):
        if line and start is None:
            start = index
        elif not line and start is not None:
            found.append((start, index))
            start = None
    if start is not None:
        found.append((start, len(lines)))
    return found


def _mark_indented_code(lines: list[str], kinds: list[str], cells: dict[int, list],
                        paragraphs: list[tuple[int, int]]) -> None:
    """A paragraph indented 4 columns deeper than the block, half of whose
    lines show code or columns, is fixed."""
    indented = [(start, end) for start, end in paragraphs
                if all(lines[index][0] in " \t" for index in range(start, end))]
    if not indented:
        return
    base = 0 if len(indented) < len(paragraphs) else min(
        indent_width(line) for line in lines if line)
    for start, end in indented:
        signs = sum(1 for index in range(start, end) if index in cells
                    or kinds[index] or _CODE_SIGN.search(lines[index]))
        if signs * 2 >= end - start and all(
                indent_width(line) >= base + CODE_INDENT for line in lines[start:end]):
            for index in range(start, end):
                kinds[index] = kinds[index] or "indented"


def _spread(lines: list[str], kinds: list[str],
            paragraphs: list[tuple[int, int]]) -> None:
    """Code and table rows take in the lines around them that belong to them."""
    for start, end in paragraphs:
        if end - start > 1 and any(kinds[start:end]):
            _spread_in_paragraph(lines, kinds, start, end)
            _fill_paragraph(kinds, start, end)


def _fill_paragraph(kinds: list[str], start: int, end: int) -> None:
    """In a paragraph at least half fixed, the lines between the first and the
    last fixed one are fixed too (`else` in code, `( o.o )` in a drawing)."""
    fixed = [index for index in range(start, end) if kinds[index]]
    if len(fixed) * 2 >= end - start:
        for index in range(fixed[0] + 1, fixed[-1]):
            kinds[index] = kinds[index] or "between"


def _spread_in_paragraph(lines: list[str], kinds: list[str], start: int,
                         end: int) -> None:
    indents = [indent_width(line) for line in lines[start:end]]
    prose = [indent for indent, kind in zip(indents, kinds[start:end], strict=True)
             if not kind]
    if not prose:
        return
    base = min(prose)
    for order in (range(start + 1, end), range(end - 2, start - 1, -1)):
        step = 1 if order.step > 0 else -1
        for index in order:
            beside = index - step
            if kinds[index] or kinds[beside] not in _SPREADING:
                continue
            if indents[index - start] > base or (kinds[beside] == "code"
                                                 and _CODE_SIGN.search(lines[index])):
                kinds[index] = "indented"


def _drop_lone_lines(lines: list[str], kinds: list[str], fixed: list[bool]) -> None:
    """A single fixed line among lines of prose is prose, unless a rule or quoted."""
    last = len(lines) - 1
    for index, kind in enumerate(kinds):
        if not kind or kind in ("rule", "marked"):
            continue
        above = kinds[index - 1] if index > 0 and lines[index - 1] else None
        below = kinds[index + 1] if index < last and lines[index + 1] else None
        if not above and not below and (above == "" or below == ""):
            fixed[index] = False


def _bridge_blank_lines(lines: list[str], fixed: list[bool]) -> None:
    """Blank lines between two fixed lines belong to the fixed block."""
    last_fixed, blanks = False, []
    for index, line in enumerate(lines):
        if not line:
            blanks.append(index)
            continue
        if fixed[index] and last_fixed:
            for blank in blanks:
                fixed[blank] = True
        last_fixed, blanks = fixed[index], []
