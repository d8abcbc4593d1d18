"""Benchmark same-claim matching on the labelled pair set.

Each pair in tests/data/claim-pairs.jsonl is a labelled claim and a candidate
text; `forum.claim_match.best_match` proposes the candidate when its best
sentence (or two) reaches the threshold.  Printed: precision and recall at
the default threshold, a sweep of thresholds, every error with its
explanation, and a seeds check: where the calcium-channel-blocker sentence of
one seed article is proposed in the other seed documents.

Word weights come from a background of ordinary text: the seed articles and
thread and the 1,000 sci.med articles shipped in samples/ (the same texts as
../shared/seeds and the shared 20 Newsgroups spool, so the figures do not
depend on ../shared), and the pair set's own texts (no labels).

The pairs are split by the parity of the number in their id: odd ids are the
development half (rules were tuned looking at it), even ids the held-out half;
figures are printed for each half and for all.

    .venv/bin/python bench/claim_propagation.py [--threshold 0.45] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forum.claim_match import (  # noqa: E402
    DEFAULT_THRESHOLD,
    TermWeights,
    best_match,
)

REPO = Path(__file__).resolve().parents[1]
PAIRS = REPO / "tests/data/claim-pairs.jsonl"
SEEDS = REPO / "samples"
SCI_MED = REPO / "samples/usenet-20news-sci.med-1993.tar.xz"
CCB_SOURCE = "article-fasciculations-deficiencies.txt"
CCB_CLAIM = ("Magnesium helps facilitate muscle relaxation, acting as a natural "
             "calcium channel blocker to prevent excessive calcium influx into "
             "nerve and muscle cells.")
SWEEP = (0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60)


def load_pairs(path: Path = PAIRS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def half(pair: dict) -> str:
    """"development" for an odd id number, "held-out" for an even one."""
    number = int(re.search(r"(\d+)$", pair["id"]).group(1))
    return "development" if number % 2 else "held-out"


def sci_med_bodies(path: Path = SCI_MED) -> list[str]:
    """The article bodies (after the header) of the sci.med tar, by name."""
    with tarfile.open(path) as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile()),
                         key=lambda m: m.name)
        return [tar.extractfile(m).read().decode("latin-1").split("\n\n", 1)[-1]
                for m in members]


def background(pairs: list[dict]) -> list[str]:
    """Ordinary text for word weights: seeds, sci.med bodies, the pairs' texts."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    texts += sci_med_bodies()
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
    for name in ("development", "held-out", "all"):
        part = [x for x in results if name == "all" or half(x[1]) == name]
        p, r, tp, fp, fn = precision_recall(part, args.threshold)
        print(f"{name:>11}: {len(part)} pairs, threshold {args.threshold:.2f}: "
              f"precision {p:.2f} recall {r:.2f} (tp {tp} fp {fp} fn {fn})")
    print("\nthreshold  precision/recall: development  held-out  all")
    for t in SWEEP:
        row = []
        for name in ("development", "held-out", "all"):
            part = [x for x in results if name == "all" or half(x[1]) == name]
            p, r, *_ = precision_recall(part, t)
            row.append(f"{p:.2f}/{r:.2f}")
        print(f"     {t:.2f}   " + "   ".join(row))
    if not args.quiet:
        print("\nerrors:")
        for score, pair, match in sorted(results, key=lambda x: -x[0]):
            if (score >= args.threshold) != pair["same"]:
                kind = "missed" if pair["same"] else "false match"
                print(f"- {pair['id']} ({half(pair)}) {kind} {score:.2f}: "
                      f"{pair['note']}")
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
