"""What same-claim propagation costs: a moderator's label, and an import.

On an archive of the deterministic synthetic corpus (plus nothing else), each
claim the demo labels (samples/demo-evidence.json) is looked for as a new
label would be: the search backend's candidates, the two-of-three rare-word
test, then the sentence matcher on what is left.  Printed per claim: the
candidates, how many were scored, proposals, and the time; then the median.
The import side: the time to check N freshly read posts against every claim
(what an import adds per batch), against the time to read them.  Nothing is
written to the archive.

    .venv/bin/python bench/propagation_cost.py --messages 10000 [--data-dir D]
"""

from __future__ import annotations

import json
import statistics
import time

from common import REPO, app_session, archive_arguments, prepared_archive

LABELLED = [entry["exact"] for entry in json.loads(
    (REPO / "samples" / "demo-evidence.json").read_text(encoding="utf-8"))["labels"]]


def main() -> None:
    parser = archive_arguments(__doc__, rounds=3)
    parser.add_argument("--posts", type=int, default=1000,
                        help="posts checked as a freshly imported batch")
    args = parser.parse_args()
    with prepared_archive(args, "forum-bench-propagation-") as (_data, env):
        import os

        os.environ.update(env)
        with app_session() as session:
            measure(session, args)


def measure(session, args) -> None:
    from sqlalchemy import select

    from forum.models import Post
    from forum.search import get_index
    from forum.services import claim_search, propagation

    settings = propagation.Settings()
    claims = [c for c in LABELLED if propagation.stands_alone(c)]
    print(f"{len(claims)} of the demo's {len(LABELLED)} labelled claims stand alone "
          "(the others lean on their context and are not looked for)")
    started = time.perf_counter()
    weights = propagation.archive_weights(session)
    print(f"word weights from {weights.sentences:,} sentences: "
          f"{time.perf_counter() - started:.2f} s (once an hour per process)")
    index = get_index()
    times = []
    print("claim                                          candidates scored found  ms")
    for claim in claims:
        best = []
        for _ in range(args.rounds):
            began = time.perf_counter()
            posts = propagation.likely_posts(session, claim, settings, index, weights)
            found = [p for p in posts if propagation.match_in_post(
                claim, p, settings.threshold, weights)]
            best.append(time.perf_counter() - began)
        times.append(statistics.median(best))
        hits = index.search(_query(claim, weights), limit=settings.candidates,
                            facets=False).ids
        print(f"{claim[:46]:46} {len(hits):10} {len(posts):6} {len(found):5} "
              f"{times[-1] * 1000:6.0f}")
    print(f"per label: median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms over {len(claims)} claims")

    ids = list(session.scalars(select(Post.id).where(Post.is_ghost.is_(False))
                               .order_by(Post.id.desc()).limit(args.posts)))
    began = time.perf_counter()
    posts = list(session.scalars(select(Post).where(Post.id.in_(ids))))
    texts = [claim_search.post_text(p) for p in posts]
    read = time.perf_counter() - began
    began = time.perf_counter()
    checked = 0
    for claim in claims:
        for post in claim_search.likely_among(claim, posts, weights):
            checked += 1
            propagation.match_in_post(claim, post, settings.threshold, weights)
    check = time.perf_counter() - began
    print(f"import batch of {len(texts):,} posts against {len(claims)} claims: "
          f"{check * 1000:.0f} ms ({checked} post-claim pairs scored), "
          f"reading them took {read * 1000:.0f} ms")


def _query(claim, weights):
    from forum.search import ast
    from forum.services.claim_search import query_words

    return ast.Or(tuple(ast.Term(w) for w in query_words(claim, weights)))


if __name__ == "__main__":
    main()
