"""The labelled set of real posts: well formed, and the scan finds what it should.

A quality gate on tests/data/citation-extraction/posts.jsonl (its README says
where the posts come from and how they were labelled): per kind, precision and
recall of `find_citations` must stay at or above 0.95.  bench/citation_extraction.py
prints the same figures with every miss and false alarm.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from forum.citations.identifiers import parse_identifier
from forum.citations.scan import find_citations
from tests.helpers import REPO

SET = REPO / "tests" / "data" / "citation-extraction" / "posts.jsonl"
KINDS = ("pmid", "pmcid", "doi", "arxiv", "isbn")
FLOOR = 0.95
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def posts() -> list[dict]:
    return [json.loads(line) for line in SET.read_text().splitlines() if line]


def key(kind: str, value: str) -> tuple[str, str]:
    return kind, value.lower() if kind == "doi" else value


def scores() -> dict[str, Counter]:
    """Per kind, true positives, false alarms and misses as sets per post."""
    counts = {kind: Counter() for kind in KINDS}
    for post in posts():
        expected = {key(e["kind"], e["value"]) for e in post["expected"]}
        found = {key(c.identifier.kind, c.identifier.value)
                 for c in find_citations(post["text"]) if c.identifier.kind in KINDS}
        for name, pairs in (("tp", expected & found), ("fp", found - expected),
                            ("fn", expected - found)):
            for kind, _ in pairs:
                counts[kind][name] += 1
    return counts


def test_the_set_is_well_formed():
    rows = posts()
    assert len(rows) >= 300
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    for row in rows:
        assert set(row) == {"id", "source", "text", "expected"}
        assert row["source"] and row["text"].strip()
        assert not ADDRESS.search(row["text"]), row["id"]  # masked as <address>
    with_kind = Counter(e["kind"] for row in rows
                        for e in {x["kind"]: x for x in row["expected"]}.values())
    assert all(with_kind[kind] >= 25 for kind in KINDS), with_kind
    assert sum(1 for row in rows if not row["expected"]) >= 100


def test_labels_are_normal_values():
    """Each label is the value identifiers.py gives, so the scan can match it."""
    for row in posts():
        labels = [(e["kind"], e["value"]) for e in row["expected"]]
        assert len(labels) == len(set(labels)), row["id"]
        for kind, value in labels:
            assert kind in KINDS
            identifier = parse_identifier(
                f"ISBN {value}" if kind == "isbn" else value)
            assert (identifier.kind, identifier.value) == (kind, value), row["id"]


@pytest.mark.parametrize("kind", KINDS)
def test_precision_and_recall_per_kind(kind):
    counts = scores()[kind]
    found, labelled = counts["tp"] + counts["fp"], counts["tp"] + counts["fn"]
    assert labelled, f"no {kind} in the set"
    assert counts["tp"] / labelled >= FLOOR, f"{kind} recall: {counts}"
    assert found and counts["tp"] / found >= FLOOR, f"{kind} precision: {counts}"
