"""Did you mean: the indexed word closest to a word the index does not hold.

Backends that keep no spelling dictionary of their own (tantivy, PostgreSQL)
share this: every word one edit away (a deletion, swap, change or insertion)
is looked up at once; failing that, the indexed words sharing the first two
letters are compared for two edits, which finds most typos and bounds the work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
MIN_FOR_TWO_EDITS = 4


def closest_word(word: str, known: Callable[[Iterable[str]], list[str]],
                 with_prefix: Callable[[str], list[str]],
                 frequency: Callable[[str], int]) -> str | None:
    """The most frequent indexed word within one edit of `word`, else two."""
    candidates = known(sorted(one_edit(word)))
    if not candidates and len(word) >= MIN_FOR_TWO_EDITS:
        candidates = [term for term in with_prefix(word[:2])
                      if abs(len(term) - len(word)) <= 2 and within_two(word, term)
                      and term != word]
    if not candidates:
        return None
    return max(sorted(candidates), key=frequency)


def one_edit(word: str) -> set[str]:
    letters = set(_LETTERS) | set(word)
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    edits = {a + b[1:] for a, b in splits if b}
    edits |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    edits |= {a + c + b[1:] for a, b in splits if b for c in letters}
    edits |= {a + c + b for a, b in splits for c in letters}
    edits.discard(word)
    edits.discard("")
    return edits


def within_two(a: str, b: str) -> bool:
    """Whether the edit distance between a and b is at most two."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char != other)))
        if min(current) > 2:
            return False
        previous = current
    return previous[-1] <= 2
