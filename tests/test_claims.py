"""The claim rules the review queue uses: what each one takes, and leaves."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forum.claim_match.hints import MUST, RULES, describe, find_claim_hints
from tests.helpers import corpus


@pytest.mark.parametrize(("text", "rule", "words"), [
    ("I take 300 mg a day of glycinate", "dosage", "300 mg a day"),
    ("try 2000mg before bed", "dosage", "2000mg"),
    ("that is 225% the RDA for adults", "rda", "225% the RDA"),
    ("about 50 % of the daily value", "rda", "50 % of the daily value"),
    ("magnesium cures fibromyalgia", "cure", "cures"),
    ("A study published in Neurology found that", "study",
     "A study published in Neurology found"),
    ("research shows it works", "study", "research shows"),
    ("tremor fell in 75% of participants", "participants", "75% of participants"),
    ("improved in 12.5% of the patients", "participants", "12.5% of the patients"),
])
def test_each_rule_takes_its_kind_of_claim(text, rule, words):
    hints = find_claim_hints(text)
    assert (rule, words) in [(h.rule, h.text) for h in hints]
    hint = next(h for h in hints if h.rule == rule)
    assert text[hint.start:hint.end] == words


@pytest.mark.parametrize("text", [
    "I went to the doctor on 12 May and felt better.",
    "The meeting is at 3 pm in room 200.",
    "Thanks for the reply, I will read up on it.",
    "75% of the time it rains here.",
])
def test_everyday_sentences_are_not_claims(text):
    assert find_claim_hints(text) == []


def test_every_rule_is_described_for_moderators():
    assert all(describe(rule) and describe(rule) != rule for rule in RULES)


@pytest.mark.corpus
def test_every_match_holds_one_of_the_words_its_rule_must_see():
    """The cheap word check before each rule never hides a match (real posts)."""
    import tarfile

    texts = []
    with tarfile.open(corpus("usenet-20news", "groups", "sci.med.tar.xz")) as tar:
        for member in tar:
            if member.isfile():
                texts.append(tar.extractfile(member).read().decode("latin-1"))
    matched = 0
    for text in texts:
        for rule, (_why, pattern) in RULES.items():
            for found in pattern.finditer(text):
                matched += 1
                assert any(w in found.group().casefold() for w in MUST[rule]), rule
    assert matched > 300


def _every_match_everywhere(text: str) -> list[tuple]:
    """The rules as first written: every expression tried at every position."""
    hints = [(rule, m.start(), m.end(), m.group()) for rule, (_why, pattern)
             in RULES.items() for m in pattern.finditer(text)]
    return sorted(hints, key=lambda h: (h[1], h[0]))[:20]


def _found(text: str) -> list[tuple]:
    return [(h.rule, h.start, h.end, h.text) for h in find_claim_hints(text)]


CLAIM_FRAGMENTS = ["a", "the", "new", "study", "studies", "trial", "research",
                   "paper", "review", "found", "shows", "show", "proved", " ",
                   "  ", "\n", "of", "magnesium", "that", ",", ".", "Study",
                   "RESEARCH", "restudy", "cures", "300 mg", "% of", "75",
                   "patients", "RDA"]


@settings(max_examples=1000)
@given(st.lists(st.sampled_from(CLAIM_FRAGMENTS), max_size=24).map(" ".join))
def test_the_quick_checks_find_what_every_rule_everywhere_finds(text):
    assert _found(text) == _every_match_everywhere(text)


@pytest.mark.corpus
def test_the_quick_checks_find_what_every_rule_finds_in_real_posts(tmp_path):
    from importers.base import IncomingMessage
    from importers.detect import iter_source
    from tests.helpers import generated_corpus

    mbox = generated_corpus(tmp_path, 2000, seed=5)
    texts = [m.body_text for source in (mbox, *sorted(corpus(
        "usenet-20news", "groups").glob("sci.*.tar.xz")))
        for m in iter_source(source) if isinstance(m, IncomingMessage)]
    found = 0
    for text in texts:
        expected = _every_match_everywhere(text)
        assert _found(text) == expected
        found += sum(rule == "study" for rule, *_ in expected)
    assert len(texts) == 6000 and found > 20
