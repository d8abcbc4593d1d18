"""Words a reader takes as one, and the word lists claims are read with.

Shared words alone cannot see that "Mg deficiency is widespread" says
"magnesium deficiency is common": every surface form in SYNONYMS maps to its
canonical word before scoring, so a reworded claim still shares its terms,
and a Match names the mappings it relied on so a moderator can check them.
The lists after the table (substances, their states, clause words,
opposites) are the vocabulary with which the terms and the penalties read a
sentence's structure; they live here so both read the same words.
"""

from __future__ import annotations

import re
import unicodedata

from whoosh.lang.porter import stem

_TOKEN = re.compile(r"\b[^\W\d_]\d{1,2}\b|\d+(?:[.,]\d+)*|[^\W\d_]+")


# Words a reader takes as one: each surface form maps to its canonical word
# before scoring, and a Match names the mappings it used.  Surfaces with a
# capital letter (Mg, ET, US) match only as written, so "et al", "us" and
# "mg" (the unit) keep their own meaning; lower-case ones match any inflection.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "magnesium": ("Mg",),
    "calcium": ("Ca",),
    "potassium": ("K",),
    "sodium": ("Na",),
    "acetylcholine": ("ACh", "acetylcholine"),
    "atp": ("ATP", "adenosine triphosphate"),
    "fibromyalgia": ("fibro", "FM", "FMS", "FS", "fibromyalgic",
                     "fibromyalgia syndrome"),
    "cfs": ("CFS", "chronic fatigue syndrome"),
    "essential tremor": ("ET",),
    "rda": ("RDA", "recommended dietary allowance", "recommended daily allowance"),
    "usa": ("US", "U.S.", "USA", "United States", "America", "American"),
    "msg": ("MSG", "monosodium glutamate"),
    "calcium channel blocker": ("calcium antagonist", "calcium blocker"),
    "enzyme": ("enzymatic",),
    "common": ("widespread", "prevalent"),
    # Not "essential": a word of "essential tremor".
    "vital": ("important", "crucial", "critical", "required", "necessary",
              "needed"),
    "deficient": ("deficiency", "low", "depleted", "depletion", "insufficient"),
    "lower": ("reduce", "reduction", "decrease", "diminish", "lessen"),
    "higher": ("increase", "raise", "elevated", "enhanced"),
    "inhibit": ("inhibitor", "inhibition", "block", "blocker"),
    "study": ("trial",),
    # "over 300" is "more than 300", "at least 300", "upwards of 300".
    "over": ("more than", "at least", "upwards of", "in excess of"),
    "nerve": ("neuronal", "neuron", "neural"),
    "excitability": ("hyperexcitability", "hyperexcitable", "hyper-excitable",
                     "overexcitement", "overexcited", "overstimulated",
                     "overstimulation", "irritability"),
    "magnesium deficient": ("hypomagnesemia", "hypomagnesaemia"),
    "calcium deficient": ("hypocalcemia", "hypocalcaemia"),
    "potassium deficient": ("hypokalemia", "hypokalaemia"),
}
# Substances and agents: the subject a claim is about must be the candidate's.
ENTITIES = frozenset("""
magnesium calcium potassium sodium zinc iron manganes lithium phosphoru
acetylcholine atp msg glutam oxal citrat oxid vitamin
""".split())
_VITAMIN = re.compile(r"^[a-z]\d{1,2}$")  # b6, b12, d3
# What state of the agent a claim is about: "low magnesium" is not "magnesium".
_DEFICIT = frozenset({"deficient", "lower"})
_SURPLUS = frozenset({"excess", "higher"})
_LEVEL = frozenset({"level", "concentr", "status", "intak"})
_RATIO = frozenset({"ratio"})  # "the Ca/Mg ratio" is about neither alone
PREPOSITIONS = frozenset({"in", "among", "with", "for"})
_DETERMINERS = frozenset({"the", "a", "an", "its", "their", "this", "these",
                          "those", "all", "some", "most", "many"})
# A negation does not reach into "not clear why X", but does into "did not
# find that X": after a reporting verb it governs the whole clause.
_NEGATION_STOPS = frozenset({"why", "whether", "how", "if", "but"})
_REPORTING = frozenset({"find", "found", "show", "shown", "showed", "say",
                        "said", "think", "believe", "know"})
# Clause openers: a claim is scored both whole and by its best clause.
_CLAUSE_WORDS = frozenset({"to", "including", "so", "which", "that", "thereby",
                           "because", "but", "while", "when"})
# "shown to cause", "able to inhibit": there "to" continues the clause, so the
# cause before it ("sleep deprivation has been shown to") stays in the core.
_CONTINUED_BY_TO = frozenset({"shown", "found", "known", "said", "able", "seem",
                              "seems", "appear", "appears", "likely", "thought",
                              "believed", "reported", "happen", "happens"})
OPPOSITES = (
    ("lower", "higher"), ("less", "more"), ("fewer", "more"), ("wors", "better"),
    ("worst", "best"), ("common", "rare"), ("common", "uncommon"),
    ("excess", "deficient"), ("effect", "ineffect"), ("poor", "good"),
)


def _surface_tokens(surface: str) -> tuple[str, ...]:
    tokens = _TOKEN.findall(unicodedata.normalize("NFKC", surface))
    if any(c.isupper() for c in surface):
        return tuple(tokens)
    return tuple(stem(t.casefold()) for t in tokens)


def _synonym_tables() -> tuple[dict, dict]:
    single: dict[tuple[str, ...], str] = {}
    for canonical, surfaces in SYNONYMS.items():
        for surface in (*surfaces, canonical):
            single[_surface_tokens(surface)] = canonical
    cased = {k: v for k, v in single.items() if any(c.isupper() for c in k[0])}
    return {k: v for k, v in single.items() if k not in cased}, cased


_BY_STEM, _BY_CASE = _synonym_tables()
_LONGEST = max(len(k) for k in (*_BY_STEM, *_BY_CASE))
# The first word of every synonym, as written and as a stem.
_FIRST_CASE = frozenset(key[0] for key in _BY_CASE)
_FIRST_STEM = frozenset(key[0] for key in _BY_STEM)


def _canonical_word(word: str) -> str:
    """The term a word of a canonical name stands for ("blocker" -> inhibit)."""
    return _BY_STEM.get((stem(word),), stem(word)) if " " not in word else word
