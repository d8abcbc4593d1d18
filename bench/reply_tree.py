"""Benchmark reply-tree reconstruction on the 20 Newsgroups corpus.

Every article's References and In-Reply-To are removed, parents are inferred
from the text alone (`importers.reconstruct`), and the result is compared with
the parents the headers named.  The corpus holds a sample of each group, so
many parents are missing.  Two readings of "the real parent":

- parent: the last References entry (else the In-Reply-To); a reply whose
  parent is not in the group counts as a root.  This is the headline.
- nearest: the last References entry, else In-Reply-To, that *is* in the
  group (the corpus notes' threader): a missing parent's nearest ancestor.

"strict" grades every article; "graded" leaves out "Re:" articles that carry
no References or In-Reply-To at all, whose parent the headers cannot tell.
Recall is correct / real parents in the group, the same for both gradings.
"all" counts every guess as a prediction (low-confidence ones and thread
fallbacks too); ">=0.50" only the confident ones.  Three ways of pooling:

- group: every earlier article of the group is a candidate, a shared
  normalised subject favours one, and nothing is guessed without evidence;
- thread: one pool per normalised subject, each treated as a thread page, so
  unexplained replies fall back to the pool's first post (confidence 0.2);
- masked: group pooling with every address and Message-ID in the text masked
  the Google Groups way (`tha...@sympatico.ca`) and synthetic ids, so that
  "In article <id>" names nothing: what names and quoted text alone achieve.

    .venv/bin/python bench/reply_tree.py [--threshold 0.5] [CORPUS_DIR]
        [--also ../shared/corpora/googlegroups-open-iscsi/*.xz]
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forum.services.threading import subject_key  # noqa: E402
from importers.base import IncomingMessage  # noqa: E402
from importers.detect import iter_source  # noqa: E402
from importers.reconstruct import ParentGuess, guess_parents  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared/corpora/usenet-20news"
_ADDRESS = re.compile(r"([\w.+=$-]+)@([\w-]+(?:\.[\w-]+)*)")
_REPLY_SUBJECT = re.compile(r"\s*(?:re|aw|sv)\s*(?:\[\d+\])?\s*:", re.I)
TRUTHS = ("parent", "nearest")


@dataclass
class Group:
    """One group's articles in date order, stripped, with their real parents."""

    name: str
    posts: list[IncomingMessage]
    truths: dict[str, list[str | None]]
    # A "Re:" article without References or In-Reply-To: its parent is unknown.
    unknown: list[bool]


@dataclass
class Tally:
    """Predictions against one truth, overall and per deciding signal."""

    predicted: int = 0
    correct: int = 0
    signals: Counter = field(default_factory=Counter)
    signals_correct: Counter = field(default_factory=Counter)

    def count(self, guess: ParentGuess, right: bool) -> None:
        """Add one prediction."""
        self.predicted += 1
        self.correct += right
        self.signals[guess.signal] += 1
        self.signals_correct[guess.signal] += right


def load_groups(corpus: Path) -> list[Group]:
    """Each group's tar, one pool per group."""
    return [
        load_group(path.name.removesuffix(".tar.xz"), [path])
        for path in sorted((corpus / "groups").glob("*.tar.xz"))
    ]


def load_group(name: str, paths: list[Path]) -> Group:
    """Articles read with the archive's own parsers, in date order, stripped."""
    posts = [
        message for path in paths for message in iter_source(path)
        if isinstance(message, IncomingMessage) and message.date is not None
    ]
    posts.sort(key=lambda m: (m.date, _number(m.position)))
    truths = {truth: real_parents(posts, truth) for truth in TRUTHS}
    unknown = [_headerless_reply(post) for post in posts]
    for post in posts:
        post.references, post.in_reply_to, post.raw = [], None, None
    return Group(name, posts, truths, unknown)


def _headerless_reply(post: IncomingMessage) -> bool:
    replying = _REPLY_SUBJECT.match(post.subject) is not None
    return replying and not post.references and not post.in_reply_to


def _number(position: str) -> int:
    tail = position.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def real_parents(posts: list[IncomingMessage], truth: str) -> list[str | None]:
    """Each post's real parent id under one reading (see the module notes)."""
    ids = {post.message_id for post in posts}
    parents = []
    for post in posts:
        refs = post.references or [post.in_reply_to]
        if truth == "nearest":
            refs = [ref for ref in post.references if ref in ids] or [post.in_reply_to]
        parent = refs[-1]
        parents.append(parent if parent in ids and parent != post.message_id else None)
    return parents


def by_group(group: Group) -> list[ParentGuess | None]:
    """Guesses with the whole group as the candidate pool."""
    topics = [subject_key(post.subject) for post in group.posts]
    return guess_parents(group.posts, topics=topics, fallback=False)


def by_thread(group: Group) -> list[ParentGuess | None]:
    """Guesses with one pool per normalised subject, like a thread page."""
    pools: dict[str, list[int]] = defaultdict(list)
    for index, post in enumerate(group.posts):
        pools[subject_key(post.subject)].append(index)
    guesses: list[ParentGuess | None] = [None] * len(group.posts)
    for members in pools.values():
        found = guess_parents([group.posts[i] for i in members], fallback=True)
        for member, guess in zip(members, found, strict=True):
            if guess is not None:
                parent = members[guess.parent]
                guesses[member] = ParentGuess(
                    parent, guess.confidence, guess.evidence, guess.signal
                )
    return guesses


def by_group_masked(group: Group) -> list[ParentGuess | None]:
    """Group pooling with addresses and ids masked as Google Groups shows them.

    `In article <1993Apr5.0...@host>` then names no findable post (the ids are
    synthetic, as page importers make them): only names and quotes are left.
    """
    masked = [
        replace(
            post, body_text=_ADDRESS.sub(_mask, post.body_text), synthetic_id=True,
            author_email=_ADDRESS.sub(_mask, post.author_email or "") or None,
        )
        for post in group.posts
    ]
    return by_group(replace(group, posts=masked))


def _mask(match: re.Match) -> str:
    local = match.group(1)
    return f"{local[:max(1, min(8, len(local) // 2))]}...@{match.group(2)}"


def score(groups, guesses_by_group, truth: str, cut: float, graded: bool) -> Tally:
    """Count the predictions at or above a confidence cut against one truth."""
    tally = Tally()
    for group, guesses in zip(groups, guesses_by_group, strict=True):
        real = group.truths[truth]
        for index, guess in enumerate(guesses):
            if guess is None or guess.confidence < cut:
                continue
            if graded and group.unknown[index]:
                continue
            tally.count(guess, group.posts[guess.parent].message_id == real[index])
    return tally


def report(mode: str, groups, guesses, threshold: float) -> None:
    """One line per truth, grading and cut; then the headline's signals."""
    for truth in TRUTHS:
        real = sum(ref is not None for group in groups for ref in group.truths[truth])
        for grading in ("strict", "graded"):
            for label, cut in (("all", 0.0), (f">={threshold:.2f}", threshold)):
                tally = score(groups, guesses, truth, cut, grading == "graded")
                precision = tally.correct / max(tally.predicted, 1)
                print(
                    f"{mode:<7}{truth:<8}{real:>6} {grading:<8}{label:<7}"
                    f"{tally.predicted:>9}{tally.correct:>8}"
                    f"{precision:>10.3f}{tally.correct / max(real, 1):>8.3f}"
                )
    real = sum(ref is not None for group in groups for ref in group.truths["parent"])
    print(f"  signals (parent, graded, >={threshold:.2f}):")
    signals(score(groups, guesses, "parent", threshold, True), real)


def signals(tally: Tally, real: int) -> None:
    """Where the confident predictions came from, and their share of recall."""
    for signal, predicted in tally.signals.most_common():
        correct = tally.signals_correct[signal]
        print(
            f"    {signal:<20}{predicted:>6} predicted {correct:>6} correct "
            f"(precision {correct / predicted:.3f}, recall share {correct / real:.3f})"
        )


def main(argv: list[str] | None = None) -> None:
    """Parse the corpus, run the three pooling modes, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument(
        "--also", type=Path, nargs="*", default=[], metavar="SOURCE",
        help="more sources with References (mbox, spool...), reported as one pool",
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    sections = [("20 Newsgroups", load_groups(args.corpus))]
    if args.also:
        sections.append(("extra sources", [load_group("extra", args.also)]))
    print(f"parsed in {time.perf_counter() - began:.2f}s")
    gc.freeze()  # the corpus stays loaded: spare the collector rescanning it
    for title, groups in sections:
        evaluate(title, groups, args.threshold)
    print(f"wall time {time.perf_counter() - began:.2f}s")


def evaluate(title: str, groups: list[Group], threshold: float) -> None:
    """Every pooling mode on some groups: the table, signals and timings."""
    posts = sum(len(group.posts) for group in groups)
    unknown = sum(sum(group.unknown) for group in groups)
    print(f"\n{title}: posts evaluated {posts} in {len(groups)} pools "
          f"({unknown} header-less Re: articles ungraded)")
    print(f"{'mode':<7}{'truth':<8}{'real':>6} {'grading':<8}{'conf':<7}"
          f"{'predicted':>9}{'correct':>8}{'precision':>10}{'recall':>8}")
    modes = (("group", by_group), ("thread", by_thread), ("masked", by_group_masked))
    for mode, run in modes:
        start = time.perf_counter()
        guesses = [run(group) for group in groups]
        seconds = time.perf_counter() - start
        report(mode, groups, guesses, threshold)
        print(f"  {mode} reconstruction time {seconds:.2f}s")


if __name__ == "__main__":
    main()
