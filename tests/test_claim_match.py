"""Same-claim matching: sentences, terms, penalties, and the labelled pair set."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from forum.claim_match import (
    DEFAULT_THRESHOLD,
    best_match,
    claim_terms,
    sentences,
    similarity,
)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import claim_propagation as bench  # noqa: E402


def texts(body: str) -> list[str]:
    return [" ".join(s.text.split()) for s in sentences(body)]


def test_sentences_join_hard_wrapped_quoted_lines():
    body = ("> If you suffer from the laxative effect when you take\n"
            "> magnesium, it is often not because you are taking too much.\n"
            ">\nAnd a well assimilated form would be?")
    spans = sentences(body)
    assert len(spans) == 2
    assert spans[0].text == body[2:spans[0].end]
    assert "> magnesium" in spans[0].text  # offsets point into the raw body
    assert texts(body)[1] == "And a well assimilated form would be?"


@pytest.mark.parametrize("body", [
    "Bagis S, et al. reported it in 2012. Then it was repeated.",
    "Minerals (e.g. magnesium) matter. Dr. Clauw disagreed.",
    "Take 2.5 mg a day. No more.",
])
def test_abbreviations_and_decimals_do_not_end_sentences(body):
    assert len(sentences(body)) == 2


def test_nested_quote_markers_and_bullets():
    body = ("|> >>scientists have testified before\n|> >>an FDA panel.\n\n"
            "  • Magnesium is a mineral.\n  • Calcium is another.")
    assert texts(body) == ["scientists have testified before |> >>an FDA panel.",
                           "Magnesium is a mineral.", "Calcium is another."]


def test_a_heading_line_is_its_own_sentence():
    assert texts("The Critical Role of Magnesium\nMagnesium is vital.") == [
        "The Critical Role of Magnesium", "Magnesium is vital."]


def test_claim_terms_stem_drop_stop_words_and_keep_numbers():
    terms = claim_terms("Magnesium is vital for over 300 enzymatic reactions, 2.5 mg")
    assert terms.stems[:3] == ("magnesium", "vital", "300")  # order kept
    assert {"2.5", "reaction"} <= set(terms.stems)
    assert "is" not in terms.stems and "for" not in terms.stems
    assert terms.numbers == {"300", "2.5"}
    assert f"300 {terms.stems[3]}" in terms.phrases


def test_contractions_and_negations_are_seen():
    assert claim_terms("It doesn't help cramps").negated == {"help", "cramp"}
    assert claim_terms("no difference in magnesium levels").negated == {
        "differ", "magnesium"}


CLAIM = "Magnesium levels are lower in fibro patients compared to healthy controls"


def test_same_claim_reworded_scores_high():
    match = similarity(CLAIM, "Magnesium levels were lower in fibro patients "
                       "than in healthy controls.")
    assert match.score >= DEFAULT_THRESHOLD
    assert "magnesium" in match.shared_terms and match.penalties == ()


@pytest.mark.parametrize(("sentence", "penalty"), [
    ("Magnesium levels are not lower in fibro patients compared to healthy "
     "controls", "negation only in the sentence"),
    ("Magnesium levels are higher in fibro patients compared to healthy controls",
     "opposite words (lower/higher)"),
])
def test_near_misses_are_penalised_and_say_why(sentence, penalty):
    match = similarity(CLAIM, sentence)
    assert match.score < DEFAULT_THRESHOLD
    assert any(p.startswith(penalty) for p in match.penalties)
    assert penalty.split(" (")[0] in match.explanation


def test_different_numbers():
    claim = "Magnesium is vital for over 300 enzymatic reactions."
    assert similarity(claim, "Magnesium is vital for over 300 enzymatic "
                      "reactions in the body.").penalties == ()
    match = similarity(claim, "Magnesium is vital for over 600 enzymatic reactions.")
    assert match.score < DEFAULT_THRESHOLD
    assert "different numbers (300 vs 600)" in match.explanation


def test_swapped_roles_cost_more_than_shared_words_earn():
    claim = ("Magnesium acts as a natural calcium channel blocker, preventing "
             "excessive calcium influx into nerve cells.")
    swapped = ("Calcium acts as a natural magnesium channel blocker, preventing "
               "excessive magnesium influx into nerve cells.")
    match = similarity(claim, swapped)
    assert match.score < similarity(claim, claim).score / 2
    assert any(p.startswith("roles swapped") for p in match.penalties)


def test_best_match_spans_two_sentences_and_gives_offsets():
    text = ("Tremor is common. Magnesium, an essential mineral, matters. Its "
            "ability to block calcium channels makes it a calcium channel blocker.")
    claim = "Magnesium is an essential mineral that acts as a calcium channel blocker."
    match = best_match(claim, text)
    assert match is not None
    assert text[match.start:match.end] == match.text
    assert match.text.startswith("Magnesium") and match.text.endswith("blocker.")


def test_best_match_none_below_threshold():
    assert best_match(CLAIM, "The weather was fine. We went home.") is None


@pytest.mark.parametrize(("claim", "sentence", "mapping"), [
    ("But magnesium is well known for being able to inhibit ACh release:",
     "Magnesium blocks the release of acetylcholine.", "ACh → acetylcholine"),
    ("Magnesium deficiency is very common.", "Mg deficiency is widespread.",
     "Mg → magnesium"),
    ("Magnesium acts as a natural calcium channel blocker.",
     "Magnesium acts as a natural calcium antagonist.",
     "calcium antagonist → calcium channel blocker"),
    ("Magnesium depletion leads to increased neuronal excitability.",
     "Magnesium depletion leads to increased irritability of nerves.",
     "irritability → excitability"),
])
def test_synonyms_and_abbreviations_are_named(claim, sentence, mapping):
    match = similarity(claim, sentence)
    assert match.score >= DEFAULT_THRESHOLD
    assert mapping in match.mappings and mapping in match.explanation


def test_units_and_latin_are_not_abbreviations():
    terms = claim_terms("Take 300 Mg a day, as Smith et al. advise for ET.")
    assert "magnesium" not in terms.stems and "mg" in terms.stems
    assert terms.stems.count("tremor") == 1  # ET, not "et al"


@pytest.mark.parametrize(("claim", "sentence", "penalty"), [
    ("Magnesium would prevent kidney stone formation.",
     "The best way to prevent kidney stones from forming is to take B6.",
     "agent magnesium missing (b6 instead)"),
    ("Magnesium deficiency is very common in the general US population.",
     "Magnesium deficiency is common in individuals with ET.",
     "different complement of common"),
    ("Magnesium inhibits ACh release.", "Hypomagnesemia increases ACh release.",
     "agent in another state"),
    ("Sleep deprivation causes lower magnesium levels.",
     "Low magnesium levels cause poor sleep.", "cause and effect reversed"),
])
def test_another_subject_population_or_direction_is_penalised(
        claim, sentence, penalty):
    match = similarity(claim, sentence)
    assert match.score < DEFAULT_THRESHOLD
    assert any(p.startswith(penalty) for p in match.penalties), match.penalties


def test_a_sentence_may_drop_the_claims_purpose_clause():
    claim = ("Magnesium helps facilitate muscle relaxation, acting as a natural "
             "calcium channel blocker to prevent excessive calcium influx into "
             "nerve and muscle cells.")
    match = similarity(claim, "Magnesium is a natural calcium channel blocker.")
    assert match.score >= DEFAULT_THRESHOLD and match.penalties == ()


@pytest.mark.parametrize(("claim", "sentence"), [
    ("Plus, sleep deprivation has been shown to cause lower magnesium levels:",
     "It is yet another vicious cycle, i.e. a magnesium deficiency results in "
     "lower aldosterone levels which causes a further decrease in magnesium."),
    ("The most common, magnesium oxide and citrate, happen to be the worst to "
     "assimilate.",
     '"Effect of magnesium citrate and magnesium oxide on the crystallization of '
     'calcium in urine"'),
    ("Magnesium depletion leads to increased neuronal excitability and enhanced "
     "neuromuscular transmission.",
     "A long term magnesium deficiency may lead to many other secondary problems "
     "that have their own host of symptoms."),
])
def test_the_agent_and_a_generic_word_are_not_the_claim(claim, sentence):
    match = similarity(claim, sentence)
    assert match.score < DEFAULT_THRESHOLD
    assert any(p.startswith("claim's own content missing") for p in match.penalties)


def test_the_claims_content_carried_is_not_marked_down():
    claim = ("Magnesium helps facilitate muscle relaxation, acting as a natural "
             "calcium channel blocker to prevent excessive calcium influx into "
             "nerve and muscle cells.")
    match = similarity(claim, "Studies have demonstrated magnesium's effectiveness "
                       "in reducing tremor severity by acting as a natural calcium "
                       "channel blocker, improving electrolyte imbalances.")
    assert match.score >= DEFAULT_THRESHOLD
    assert not any(p.startswith("claim's own") for p in match.penalties)


def test_a_cause_before_shown_to_stays_in_the_claims_core():
    terms = claim_terms("Sleep deprivation has been shown to cause lower magnesium")
    assert {"sleep", "depriv", "caus"} <= terms.clauses[0]


@pytest.mark.parametrize("sentence", [
    "Magnesium is needed for more than 300 enzymatic reactions.",
    "Magnesium is vital for at least 300 enzymatic reactions.",
    "Magnesium is required for upwards of 300 enzymatic reactions.",
])
def test_quantity_phrases_read_as_over(sentence):
    match = similarity("Magnesium is vital for over 300 enzymatic reactions.",
                       sentence)
    assert match.score >= DEFAULT_THRESHOLD and match.penalties == ()
    assert any(m.endswith("→ over") for m in match.mappings)


def test_another_named_journal_is_another_claim():
    claim = ("Another study in Movement Disorders reported that magnesium "
             "improved tremor control in ET patients.")
    match = similarity(claim, "A trial published in the Journal of the "
                       "Neurological Sciences showed that magnesium improved "
                       "tremor control in ET patients.")
    assert match.score < DEFAULT_THRESHOLD
    assert "another named source (Movement Disorders vs Journal of the " \
        "Neurological Sciences)" in match.explanation
    same = similarity("A study published in the journal Neurology found that "
                      "magnesium reduced tremor severity.",
                      "One study, published in Neurology, found that magnesium "
                      "reduced tremor severity.")
    assert not any(p.startswith("another named") for p in same.penalties)


def test_a_study_in_a_population_is_not_a_journal():
    assert claim_terms("A study in ET patients found it.").sources == ()
    assert claim_terms("A study in Fibromyalgia patients found it.").sources == ()


def test_a_name_of_several_words_counts_once():
    terms = claim_terms("Magnesium deficiency is common in individuals with ET.")
    assert dict(terms.units) == {"essenti": 2, "tremor": 2}
    # A name that holds a substance keeps its words: they are what it says.
    assert claim_terms("Magnesium is a calcium channel blocker.").units == ()
    match = similarity("Magnesium deficiency is common in individuals with ET.",
                       "Magnesium deficiency may play a role in triggering ET.")
    assert match.score < DEFAULT_THRESHOLD


def test_a_condition_is_not_the_claims_core():
    terms = claim_terms("If you suffer from the laxative effect when you take "
                        "magnesium, it is because you take too much.")
    assert terms.clauses == ({"take", "much"},)
    assert claim_terms("If you take magnesium").clauses == ({"take", "magnesium"},)


def test_two_sentences_must_add_the_claims_content():
    claim = "Sleep deprivation causes lower magnesium levels."
    text = ("Symptoms of reduced magnesium are listed below. Low magnesium levels "
            "go with sleep disorders.")
    match = best_match(claim, text, 0.0)
    assert match is not None and match.text.startswith("Low magnesium")


@pytest.fixture(scope="module")
def weighted():
    pairs = bench.load_pairs()
    from forum.claim_match import TermWeights
    return pairs, TermWeights.from_texts(bench.background(pairs))


def figures(weighted, name: str) -> tuple[float, float]:
    pairs, weights = weighted
    part = [p for p in pairs if name == "all" or bench.half(p) == name]
    p, r, *_ = bench.precision_recall(bench.scored(part, weights), DEFAULT_THRESHOLD)
    return p, r


def test_pair_set_is_well_formed():
    pairs = bench.load_pairs()
    assert len(pairs) >= 100
    assert len({p["id"] for p in pairs}) == len(pairs)
    assert sum(not p["same"] for p in pairs) >= len(pairs) / 2
    built = [p for p in pairs if p["candidate_source"].startswith("constructed")]
    assert len(built) <= len(pairs) / 4
    assert all(p["note"].startswith("constructed") for p in built)


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "floor"), [
    ("development", (0.95, 0.8)), ("held-out", (0.85, 0.55))])
def test_pair_set_quality_floor(weighted, name, floor):
    """What the rules reach today on each half; a change that loses ground fails."""
    p, r = figures(weighted, name)
    assert p >= floor[0] and r >= floor[1]


@pytest.mark.corpus
def test_pair_set_quality_target(weighted):
    """Precision >= 0.9 at recall >= 0.7 over all pairs (the held-out half alone
    is short of it: see the floors)."""
    p, r = figures(weighted, "all")
    assert p >= 0.9 and r >= 0.7


@pytest.mark.corpus
def test_seeds_calcium_channel_blocker(weighted):
    """Proposed in the essential-tremor article, nowhere else in the seeds."""
    _, weights = weighted
    found = bench.seeds_check(weights, DEFAULT_THRESHOLD)
    proposed = {name for name, match in found.items() if match}
    assert proposed == {"article-magnesium-essential-tremor.txt"}
    match = found["article-magnesium-essential-tremor.txt"]
    assert "calcium channel blocker" in match.text.casefold()
