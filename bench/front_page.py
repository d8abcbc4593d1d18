"""The home page over HTTP, beside the group page, with its parts timed alone.

    .venv/bin/python bench/front_page.py                  # 100,000 messages, SQLite
    .venv/bin/python bench/front_page.py --data-dir /tmp/forum-front-100k   # reuse
    .venv/bin/python bench/front_page.py --data-dir /tmp/pg \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/front

The archive is the deterministic corpus (../shared/bench/gen_corpus.py
--messages N --seed 1), imported with the project's CLI or reused.  A
moderator account then labels --verdicts posts with a verdict on their first
sentence (once: a reused archive keeps them), so the "newest verdicts" part
has work to do.  A real server (`gunicorn -w 1`) answers the home page and,
for scale, the biggest group's page, --rounds times each; a child process
then times each part of the home page alone (the archive's holdings, the
groups with their years, the newest threads, the newest verdicts), and the
group list the home page showed before (archive.list_groups).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402 - bench scripts run as files
    app_session,
    archive_arguments,
    main_or_child,
    prepared_archive,
    print_timings,
    run_child,
    served_rounds,
)


def main() -> None:
    args = parse_args()
    with prepared_archive(args, "forum-front-bench-") as (data, env):
        made = run_child(__file__, env, "label", str(args.verdicts))
        print(f"verdicts: {made['verdicts']} in the archive "
              f"({made['added']} added now)")
        urls = {"home page": "/", "biggest group page": f"/g/{made['group']}/"}
        timings, sizes = served_rounds(env, data / "bench-front-gunicorn.log", urls,
                                       args.rounds)
        print_timings(timings, 24, sizes)
        parts = run_child(__file__, env, "parts", str(args.rounds))
        print("-- the home page's parts, alone (in-process, warm)")
        print_timings(parts, 24)


def parse_args():
    parser = archive_arguments(__doc__, rounds=30)
    parser.add_argument("--verdicts", type=int, default=300)
    return parser.parse_args()


# -- in a child, with the app --------------------------------------------------------


def child(what: list[str]) -> None:
    with app_session():
        result = label(int(what[1])) if what[0] == "label" else parts(int(what[1]))
        print(json.dumps(result))


def label(wanted: int) -> dict:
    """Give `wanted` posts a verdict on their first sentence, if not done yet."""
    import re

    from sqlalchemy import func, select

    from forum.extensions import db
    from forum.models import Group, Label, Post, User
    from forum.services.accounts import create_user
    from forum.services.evidence import LabelRejected, label_post, seed_label_kinds
    from forum.text.markup import post_plain_text

    seed_label_kinds(db.session)
    have = db.session.scalar(select(func.count(Label.id))) or 0
    added = 0
    if have < wanted:
        user = (db.session.scalar(select(User).where(User.name == "bench-mod"))
                or create_user(db.session, "bench-mod", "bench password 1",
                               "moderator"))
        posts = db.session.scalars(
            select(Post).where(Post.is_ghost.is_(False)).order_by(Post.id)
            .offset(have * 7).limit(wanted * 3))
        for post in posts:
            sentence = re.match(r"\s*([^.?!\n]{20,160}[.?!])",
                                post_plain_text(post.body_text, post.body_html))
            if sentence is None:
                continue
            try:
                label_post(db.session, user, post, "unsupported",
                           "Benchmark verdict.", exact=sentence.group(1))
            except LabelRejected:
                continue
            added += 1
            if have + added >= wanted:
                break
        db.session.commit()
    group = db.session.scalar(select(Group.name).order_by(Group.post_count.desc()))
    return {"verdicts": have + added, "added": added, "group": group}


def parts(rounds: int) -> dict:
    from forum.extensions import db
    from forum.services import archive, front_page

    summaries = front_page.group_summaries()
    steps = {
        "old home (group list)": archive.list_groups,
        "holdings": lambda: front_page.holdings(summaries),
        "groups and years": front_page.group_summaries,
        "newest threads": front_page.newest_threads,
        "newest verdicts": front_page.newest_verdicts,
        "all of the home page": front_page.front_page,
    }
    timings: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds + 1):
        for name, step in steps.items():
            db.session.expire_all()
            started = time.perf_counter()
            step()
            timings[name].append((time.perf_counter() - started) * 1000)
    return {name: values[1:] for name, values in timings.items()}


if __name__ == "__main__":
    main_or_child(main, child)
