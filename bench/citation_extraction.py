"""Citation extraction against a hand-labelled set of real posts: precision, recall.

    .venv/bin/python bench/citation_extraction.py
    .venv/bin/python bench/citation_extraction.py --quiet     # the table only
    .venv/bin/python bench/citation_extraction.py --set other.jsonl

The set is tests/data/citation-extraction/posts.jsonl (see its README.md for
where each post comes from and how it was labelled).  Every post is scanned
with `forum.citations.scan.find_citations`; what it finds is compared with the
labels as a set of (kind, value) per post, so a PMID linked twice in one post
counts once and a PMID missed in one post is one miss.  DOIs compare without
regard to case, as `Identifier.key` does.  Prints, per kind, true positives,
false alarms and misses with precision and recall, then every miss and false
alarm with its post id.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from forum.citations.scan import find_citations  # noqa: E402 - run as a file

SET = (Path(__file__).resolve().parents[1] / "tests" / "data"
       / "citation-extraction" / "posts.jsonl")
KINDS = ("pmid", "pmcid", "doi", "arxiv", "isbn")


def main() -> None:
    args = parse_args()
    posts = [json.loads(line) for line in args.set.read_text().splitlines() if line]
    counts: dict[str, Counter] = {kind: Counter() for kind in KINDS}
    misses, alarms = [], []
    for post in posts:
        expected = {_key(e["kind"], e["value"]) for e in post["expected"]}
        found = {_key(c.identifier.kind, c.identifier.value)
                 for c in find_citations(post["text"])
                 if c.identifier.kind in KINDS}
        for kind, _ in expected & found:
            counts[kind]["tp"] += 1
        for kind, value in sorted(expected - found):
            counts[kind]["fn"] += 1
            misses.append((post["id"], kind, value))
        for kind, value in sorted(found - expected):
            counts[kind]["fp"] += 1
            alarms.append((post["id"], kind, value))
    with_kind = Counter(e["kind"] for p in posts
                        for e in {x["kind"]: x for x in p["expected"]}.values())
    print(f"{len(posts)} posts, {sum(1 for p in posts if not p['expected'])} "
          f"with no citation; {args.set.name}")
    print(f"{'kind':6} {'posts':>5} {'TP':>4} {'FP':>4} {'FN':>4} "
          f"{'precision':>9} {'recall':>6}")
    for kind in (*KINDS, "all"):
        c = (sum(counts.values(), Counter()) if kind == "all" else counts[kind])
        posts_with = sum(with_kind.values()) if kind == "all" else with_kind[kind]
        print(f"{kind:6} {posts_with:>5} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4} "
              f"{_ratio(c['tp'], c['tp'] + c['fp']):>9} "
              f"{_ratio(c['tp'], c['tp'] + c['fn']):>6}")
    if not args.quiet:
        _listing("misses (labelled, not found)", misses)
        _listing("false alarms (found, not labelled)", alarms)


def _key(kind: str, value: str) -> tuple[str, str]:
    return kind, value.lower() if kind == "doi" else value


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def _listing(title: str, rows: list[tuple[str, str, str]]) -> None:
    print(f"\n{title}: {len(rows)}")
    for post_id, kind, value in rows:
        print(f"  {post_id:42} {kind:6} {value}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=SET, help="a JSONL labelled set")
    parser.add_argument("--quiet", action="store_true", help="print the table only")
    return parser.parse_args()


if __name__ == "__main__":
    main()
