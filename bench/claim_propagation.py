"""Benchmark same-claim matching on the labelled pair set.

Each pair in tests/data/claim-pairs.jsonl is a labelled claim and a candidate
text; `forum.claim_match.best_match` proposes the candidate when its best
sentence (or two) reaches the threshold.  Printed: precision and recall at
the default threshold, a sweep of thresholds, every error with its
explanation, and a seeds check: where the calcium-channel-blocker sentence of
one seed article is proposed in the other seed documents.

Word weights come from a background of ordinary text: the seed articles and
thread plus the 1,000 sci.med articles of the shared corpora (when present),
and the pair set's own texts (no labels).

    .venv/bin/python bench/claim_propagation.py [--threshold 0.45] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forum.claim_match import (  # noqa: E402
    DEFAULT_THRESHOLD,
    TermWeights,
    best_match,
)

REPO = Path(__file__).resolve().parents[1]
PAIRS = REPO / "tests/data/claim-pairs.jsonl"
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
SCI_MED = SHARED / "corpora/usenet-20news/spool/sci.med"
CCB_SOURCE = "article-fasciculations-deficiencies.txt"
CCB_CLAIM = ("Magnesium helps facilitate muscle relaxation, acting as a natural "
             "calcium channel blocker to prevent excessive calcium influx into "
             "nerve and muscle cells.")
SWEEP = (0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60)


def load_pairs(path: Path = PAIRS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def background(pairs: list[dict]) -> list[str]:
    """Ordinary text for word weights: seeds, sci.med bodies, the pairs' texts."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for path in sorted(SCI_MED.glob("*")) if SCI_MED.is_dir() else ():
        texts.append(path.read_text(encoding="latin-1").split("\n\n", 1)[-1])
    texts += sorted({p["claim"] for p in pairs} | {p["candidate"] for p in pairs})
    return texts


def scored(pairs: list[dict], weights) -> list[tuple[float, dict, object]]:
    """Each pair with its best match at threshold 0 (so every score is known)."""
    found = []
    for pair in pairs:
        match = best_match(pair["claim"], pair["candidate"], 0.0, weights)
        found.append((match.score if match else 0.0, pair, match))
    return found


def precision_recall(results, threshold: float) -> tuple[float, float, int, int, int]:
    tp = sum(1 for s, p, _ in results if s >= threshold and p["same"])
    fp = sum(1 for s, p, _ in results if s >= threshold and not p["same"])
    fn = sum(1 for s, p, _ in results if s < threshold and p["same"])
    return tp / ((tp + fp) or 1), tp / ((tp + fn) or 1), tp, fp, fn


def seeds_check(weights, threshold: float) -> dict[str, object]:
    """The calcium-channel-blocker claim's best match in every other seed."""
    found = {}
    for path in sorted(SEEDS.glob("*.txt")):
        if path.name != CCB_SOURCE:
            found[path.name] = best_match(CCB_CLAIM, path.read_text(encoding="utf-8"),
                                          threshold, weights)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--quiet", action="store_true", help="no error list")
    args = parser.parse_args()
    pairs = load_pairs()
    weights = TermWeights.from_texts(background(pairs))
    results = scored(pairs, weights)
    same = sum(p["same"] for p in pairs)
    built = sum(p["candidate_source"].startswith("constructed") for p in pairs)
    print(f"pairs: {len(pairs)} ({same} same claim, {len(pairs) - same} near misses, "
          f"{built} constructed); weights from {weights.sentences} sentences")
    p, r, tp, fp, fn = precision_recall(results, args.threshold)
    print(f"threshold {args.threshold:.2f}: precision {p:.2f} recall {r:.2f} "
          f"(tp {tp} fp {fp} fn {fn})")
    print("\nthreshold  precision  recall")
    for t in SWEEP:
        p, r, *_ = precision_recall(results, t)
        print(f"     {t:.2f}       {p:.2f}    {r:.2f}")
    if not args.quiet:
        print("\nerrors:")
        for score, pair, match in sorted(results, key=lambda x: -x[0]):
            if (score >= args.threshold) != pair["same"]:
                kind = "missed" if pair["same"] else "false match"
                print(f"- {pair['id']} {kind} {score:.2f}: {pair['note']}")
                if match:
                    print(f"    {match.explanation}")
    print(f"\nseeds check: the calcium-channel-blocker sentence of {CCB_SOURCE}")
    for name, match in seeds_check(weights, args.threshold).items():
        where = "nothing proposed"
        if match:
            where = (f"{match.score:.2f} at {match.start}-{match.end}: "
                     f"{' '.join(match.text.split())[:110]}")
        print(f"- {name}: {where}")


if __name__ == "__main__":
    main()
