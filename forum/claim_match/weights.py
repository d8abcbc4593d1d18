"""Term weights: how much a stem says about which claim a sentence makes.

Rare words weigh more (an inverse sentence frequency over texts passed in),
so a differing subject ("ET" for "US population") costs more than "very".
The table is built once from a body of posts (the archive's, or the bench's
background) and handed to `similarity()` and `best_match()` as `weights`;
scoring only calls it, so it does not depend on this module.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from forum.claim_match.splitting import sentences
from forum.claim_match.terms import claim_terms


class TermWeights:
    """Inverse sentence frequency of each stem in a body of text.

    A word found in many sentences (magnesium, in a magnesium forum) says little
    about which claim a sentence makes; a rare one (tremor, US) says a lot.
    Stems never seen weigh as much as the rarest seen.
    """

    def __init__(self, frequency: Counter, sentences: int) -> None:
        self.frequency, self.sentences = frequency, sentences
        self.unseen = self._idf(0)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> TermWeights:
        """Count, for each stem, the sentences of `texts` that hold it."""
        frequency: Counter = Counter()
        count = 0
        for text in texts:
            for span in sentences(text):
                frequency.update(set(claim_terms(span.text).stems))
                count += 1
        return cls(frequency, count)

    def _idf(self, df: int) -> float:
        return math.log((self.sentences + 1) / (df + 1)) + 1.0

    def __call__(self, term: str) -> float:
        df = self.frequency.get(term, 0)
        return self._idf(df) if df else self.unseen
