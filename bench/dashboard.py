"""Moderator dashboard and review-queue latency over HTTP on a big archive (issue 6).

    .venv/bin/python bench/dashboard.py                         # 100,000 messages
    .venv/bin/python bench/dashboard.py --messages 10000 --rounds 5
    .venv/bin/python bench/dashboard.py --data-dir /tmp/forum-dash-100k  # keep/reuse

Issue 6 asks for the dashboard of a 100,000-post archive in under 300 ms.

1. The archive: the deterministic synthetic corpus (../shared/bench/gen_corpus.py
   --messages N --seed 1, cached in the temp folder) imported with the
   project's own CLI (`flask --app forum db upgrade`, then `flask --app forum
   import MBOX --json`) into FORUM_DATA_DIR.  The import records what the
   queue reads: claim hints and suggested citations.  A --data-dir that
   already holds an archive is reused, after `db upgrade` (new indexes).
2. Moderation at a busy archive's scale, added once (a child process; skipped
   when the bench's moderator account exists already), every row through the
   services the web pages call, so the rows are the ones moderators make:
   labels on LABELS posts with claim hints drawn from all of them (some with
   a citation, some later withdrawn; an mbox imports as one group, named
   after the file, so the coverage table has one row), decisions on DECIDED suggested
   citations, reader flags on FLAGGED posts (1-4 each from distinct readers,
   so posts reaching the threshold are hidden automatically), some flags
   resolved, posts hidden and restored by moderators, claim items dismissed
   in bulk and claimed.  The services stamp audit entries with the clock;
   here the clock is replayed over the last WEEKS_OF_ACTIVITY weeks, action by
   action in order, so the weekly chart and the 30-day moderator list see
   months of work rather than one burst.  The moderator who signs in is made
   with `flask --app forum users create NAME --role moderator`.
3. A real server (`gunicorn -w 1` on a free loopback port) over that data.
   The client signs in through the login form (its CSRF token and session
   cookie), checks each page answers 200 with the figures the database
   holds, fetches every page once to warm up, then times GET /mod/,
   /mod/queue and /mod/queue?sort=age for --rounds rounds.  Prints each
   round, then median, p95 and max per page, the load average and the row
   counts.  The machine's two cores are shared: quote medians.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import statistics
import sys
import time
from datetime import datetime, timedelta
from functools import partial
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402 - bench scripts run as files
    app_session,
    archive_arguments,
    gunicorn,
    load,
    main_or_child,
    prepared_archive,
    run_child,
    run_flask,
    summary,
)

PAGES = ("/mod/", "/mod/queue", "/mod/queue?sort=age")
TARGET_MS = 300.0
MODERATOR, PASSWORD = "bench", "bench-password-123"
# A busy archive's moderation, for 100,000 posts (scaled with the archive).
LABELS, WITHDRAWN, DECIDED = 3000, 150, 1000
FLAGGED, FLAGS_RESOLVED, HIDDEN, RESTORED = 400, 150, 200, 20
DISMISSED, CLAIMED = 600, 40
WEEKS_OF_ACTIVITY = 16
TEAM = ("mara", "olu", "ines", "kofi")
PLAIN_KINDS = ("personal_experience", "unsupported", "needs_source",
               "medical_advice_caution", "off_topic", "source_not_found")
CITED_KINDS = ("contradicted", "limited_evidence", "cites_research")


def main() -> None:
    args = archive_arguments(__doc__, rounds=15, database=False).parse_args()
    with prepared_archive(args, "forum-dashboard-bench-") as (data, env):
        counts = moderation_child(env, args.messages)
        try:
            with gunicorn(env, 1, data / "gunicorn.log") as (port, _proc):
                measure(port, args.rounds, counts)
        except RuntimeError as exc:
            sys.exit(f"dashboard benchmark stopped: {exc}")


# -- 2. moderation at scale, in a child -------------------------------------------


def moderation_child(env: dict, messages: int) -> dict:
    """Add the moderation once (child process); return the row counts."""
    counts = run_child(__file__, env, str(messages))
    if counts.pop("seeded_s", None) is not None:
        print(f"moderation added in {counts.pop('seconds'):.0f} s")
    print_counts(counts)
    return counts


def child(what: list[str]) -> None:
    """Runs in the child: the moderator account, the moderation, the counts."""
    result: dict = {}
    with app_session() as session:
        from sqlalchemy import select

        from forum.models import User

        fresh = session.scalar(select(User.id).where(User.name == MODERATOR)) is None
        session.rollback()  # see the account another process makes
        if fresh:
            run_flask(dict(os.environ), "users", "create", MODERATOR, "--role",
                      "moderator", "--password-stdin", stdin=PASSWORD + "\n")
            started = time.perf_counter()
            Moderation(session, scale=int(what[0]) / 100_000).run()
            result = {"seeded_s": True, "seconds": time.perf_counter() - started}
        result.update(row_counts(session))
    print(json.dumps(result))


class Moderation:
    """Months of a moderation team's work, done through the services."""

    def __init__(self, session, scale: float) -> None:
        self.session, self.rng = session, random.Random(6)
        self.n = lambda count: max(1, round(count * scale))
        self.clock = Clock()
        self.reindex: set[int] = set()

    def run(self) -> None:
        from forum.services import audit

        real = audit.utcnow
        self.clock.at = real()
        audit.utcnow = self.clock.now  # record() stamps entries with this clock
        try:
            self.team = self._team()
            steps = [*self._labels(), *self._decisions(), *self._flags(),
                     *self._hides(), *self._queue_marks()]
            self.clock.spread(len(steps), WEEKS_OF_ACTIVITY)
            self.rng.shuffle(steps)
            for done, step in enumerate(steps, 1):
                self.clock.tick()
                step()
                if done % 500 == 0:
                    self._commit()
            self._commit()
        finally:
            audit.utcnow = real
        from forum.services.search import index_posts

        index_posts(self.session, self.reindex)

    def _commit(self) -> None:
        """Commit; keep the posts to re-index for one index update at the end.

        After each commit `forum.search.sync` re-indexes the posts it changed:
        one Whoosh segment write (and merge) per commit, right for a
        moderator's action, but minutes for thousands replayed at once.  The
        same ids, taken from the same place, are indexed once instead.
        """
        self.session.flush()
        self.reindex |= self.session.info.pop("forum_search_pending", set())
        self.session.commit()

    def _team(self):
        from sqlalchemy import select

        from forum.models import User
        from forum.services.accounts import create_user

        team = [create_user(self.session, name, PASSWORD, "moderator")
                for name in TEAM]
        team.append(self.session.scalar(select(User).where(User.name == MODERATOR)))
        self.session.commit()
        return team

    def who(self):
        return self.rng.choice(self.team)

    def _claim_posts(self) -> list[int]:
        """Posts with claim hints, shuffled (so every group's in proportion)."""
        from sqlalchemy import select

        from forum.models import ClaimHint, Post

        ids = list(self.session.scalars(
            select(ClaimHint.post_id.distinct())
            .join(Post, Post.id == ClaimHint.post_id)
            .where(Post.is_hidden.is_(False), Post.is_ghost.is_(False))))
        self.rng.shuffle(ids)
        return ids

    def _labels(self):
        from sqlalchemy import select

        from forum.models import Citation

        posts = self._claim_posts()
        self.claim_posts = posts[self.n(LABELS):]  # unlabelled: for the queue marks
        cited = list(self.session.scalars(select(Citation.id).limit(500)))
        steps = []
        for i, post_id in enumerate(posts[:self.n(LABELS)]):
            kind = (self.rng.choice(CITED_KINDS) if cited and i % 5 == 0
                    else self.rng.choice(PLAIN_KINDS))
            citation = self.rng.choice(cited) if kind in CITED_KINDS else None
            withdraw = i < self.n(WITHDRAWN)
            steps.append(partial(self._label, post_id, kind, citation, withdraw))
        return steps

    def _label(self, post_id: int, kind: str, citation_id, withdraw: bool) -> None:
        from forum.models import Citation, Post
        from forum.services import citations, evidence

        post, actor = self.session.get(Post, post_id), self.who()
        cited = [self.session.get(Citation, citation_id)] if citation_id else []
        label = evidence.label_post(self.session, actor, post, kind,
                                    "Checked against the literature.",
                                    citations=cited)
        citations.link_label_citations(self.session, actor, post, cited)
        if withdraw:
            evidence.withdraw_label(self.session, self.who(), label,
                                    "labelled the wrong post")

    def _decisions(self):
        from sqlalchemy import select

        from forum.models import PostCitation

        ids = list(self.session.scalars(select(PostCitation.id).where(
            PostCitation.status == "suggested", PostCitation.origin == "scan")))
        self.rng.shuffle(ids)
        return [partial(self._decide, item_id, n % 3 != 0)
                for n, item_id in enumerate(ids[:self.n(DECIDED)])]

    def _decide(self, item_id: int, accept: bool) -> None:
        from forum.models import PostCitation
        from forum.services.citations import decide_suggestion

        item = self.session.get(PostCitation, item_id)
        if item.status == "suggested":
            decide_suggestion(self.session, self.who(), item, accept)

    def _visible_posts(self, count: int) -> list[int]:
        from sqlalchemy import select

        from forum.models import Post

        ids = list(self.session.scalars(select(Post.id).where(
            Post.is_hidden.is_(False), Post.is_ghost.is_(False))))
        return self.rng.sample(ids, count)

    def _flags(self):
        posts = self._visible_posts(self.n(FLAGGED) + self.n(HIDDEN))
        self.hide_posts = posts[self.n(FLAGGED):]
        steps = []
        for i, post_id in enumerate(posts[:self.n(FLAGGED)]):
            flags = self.rng.choice((1, 1, 1, 2, 2, 3, 4))
            resolve = i < self.n(FLAGS_RESOLVED)
            steps.append(partial(self._flag, post_id, flags, resolve))
        return steps

    def _flag(self, post_id: int, flags: int, resolve: bool) -> None:
        from forum.models import Post
        from forum.services import moderation

        post = self.session.get(Post, post_id)
        made = [moderation.flag_post(
            self.session, post, self.rng.choice(list(moderation.FLAG_REASONS)),
            "Please check this.", f"reader-{post_id}-{n}", per_hour=5, hide_at=3)
            for n in range(flags)]
        if resolve:
            for flag in made:
                moderation.resolve_flag(self.session, self.who(), flag,
                                        self.rng.choice(("agreed", "disagreed")))

    def _hides(self):
        restored = self.n(RESTORED)
        return [partial(self._hide, post_id, i < restored)
                for i, post_id in enumerate(self.hide_posts)]

    def _hide(self, post_id: int, restore: bool) -> None:
        from forum.models import Post
        from forum.services import moderation

        post = self.session.get(Post, post_id)
        moderation.hide_post(self.session, self.who(), post, "spam")
        if restore:
            moderation.restore_post(self.session, self.who(), post, "not spam")

    def _queue_marks(self):
        """Claim items dismissed in bulk (50 a time, as the queue page does)."""
        dismissed = self.claim_posts[:self.n(DISMISSED)]
        claimed = self.claim_posts[self.n(DISMISSED):][:self.n(CLAIMED)]
        steps = [partial(self._dismiss, dismissed[i:i + 50])
                 for i in range(0, len(dismissed), 50)]
        return steps + [partial(self._claim, post_id) for post_id in claimed]

    def _dismiss(self, post_ids: list[int]) -> None:
        from forum.models import Post
        from forum.services.queue_actions import dismiss_items

        posts = [self.session.get(Post, post_id) for post_id in post_ids]
        dismiss_items(self.session, self.who(), posts, "claim",
                      "anecdote, no claim to check")

    def _claim(self, post_id: int) -> None:
        from forum.models import Post
        from forum.services.queue_actions import claim_item

        claim_item(self.session, self.who(), self.session.get(Post, post_id), "claim")


class Clock:
    """Replays months of work: each action a little later than the last."""

    def __init__(self) -> None:
        self.at = datetime(2000, 1, 1)
        self.step = timedelta(0)

    def spread(self, actions: int, weeks: int) -> None:
        self.step = timedelta(weeks=weeks) / max(actions, 1)
        self.at -= timedelta(weeks=weeks)

    def tick(self) -> None:
        self.at += self.step

    def now(self) -> datetime:
        return self.at


def row_counts(session) -> dict:
    from sqlalchemy import func, select

    from forum.models import (
        AuditEntry,
        ClaimHint,
        Flag,
        Group,
        Label,
        Post,
        PostCitation,
        QueueMark,
        Thread,
    )
    from forum.services.queue import queue_sizes

    def count(what, *where) -> int:
        return session.scalar(select(func.count()).select_from(what).where(*where))

    return {
        "posts": count(Post, Post.is_ghost.is_(False)),
        "threads": count(Thread), "groups": count(Group),
        "hidden posts": count(Post, Post.is_hidden.is_(True)),
        "claim hints": count(ClaimHint),
        "posts with claim hints": session.scalar(
            select(func.count(ClaimHint.post_id.distinct()))),
        "suggested citations": count(PostCitation,
                                     PostCitation.status == "suggested"),
        "decided citations": count(PostCitation, PostCitation.status.in_(
            ("confirmed", "rejected"))),
        "labels": count(Label), "withdrawn labels": count(Label,
                                                          Label.is_withdrawn),
        "flags": count(Flag), "pending flags": count(Flag, Flag.status == "pending"),
        "posts with pending flags": session.scalar(
            select(func.count(Flag.post_id.distinct())).where(
                Flag.status == "pending")),
        "queue marks": count(QueueMark), "audit entries": count(AuditEntry),
        "queue": queue_sizes(session),
    }


def print_counts(counts: dict) -> None:
    """The rows the pages read; the import must have recorded hints and
    suggestions, or the queue would be measured empty."""
    if not counts["claim hints"] or not counts["suggested citations"]:
        sys.exit(f"the import recorded no claim hints or suggestions: {counts}")
    rows = [(k, v) for k, v in counts.items() if k != "queue"]
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in rows))
    print("queue sizes (service): " + ", ".join(
        f"{kind} {n:,}" for kind, n in counts["queue"].items()))


# -- 3. pages over HTTP -----------------------------------------------------------


class Browser:
    """One keep-alive connection that keeps the session cookie, like a browser."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None
                ) -> tuple[int, str, float, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "User-Agent": "forum-bench"}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        ms = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, text, ms, response.headers.get("Location", "")

    def sign_in(self) -> None:
        status, page, _, _ = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"no login form (HTTP {status})")
        status, _, _, where = self.request("POST", "/login", {
            "name": MODERATOR, "password": PASSWORD, "csrf_token": token.group(1)})
        if status != 302 or not where.endswith("/mod/"):
            raise RuntimeError(f"sign-in failed: HTTP {status} -> {where!r}")

    def close(self) -> None:
        self.conn.close()


def measure(port: int, rounds: int, counts: dict) -> None:
    browser = Browser(port)
    try:
        browser.sign_in()
        check_pages(browser, counts)
        for path in PAGES:  # warm-up: templates compiled, caches filled
            browser.request("GET", path)
        samples: dict[str, list[float]] = {path: [] for path in PAGES}
        for n in range(1, rounds + 1):
            times = []
            for path in PAGES:
                status, _, ms, _ = browser.request("GET", path)
                if status != 200:
                    raise RuntimeError(f"{path} answered {status} in round {n}")
                samples[path].append(ms)
                times.append(f"{path} {ms:6.1f}")
            print(f"  round {n:2}: " + "  ".join(times) + f"  ms  (load {load()})")
    finally:
        browser.close()
    print(f"{rounds} rounds after 1 warm-up, gunicorn -w 1 on 127.0.0.1:{port}, "
          f"signed in as {MODERATOR!r} (load {load()}):")
    for path, values in samples.items():
        print(f"  GET {path:22} {summary(values)}")
    median = statistics.median(samples["/mod/"])
    print(f"dashboard /mod/ median {median:.1f} ms against the target "
          f"< {TARGET_MS:.0f} ms: {'OK' if median < TARGET_MS else 'TOO SLOW'}")


def check_pages(browser: Browser, counts: dict) -> None:
    """Each page answers 200 and shows the queue sizes the database holds."""
    status, page, _, _ = browser.request("GET", "/mod/")
    if status != 200:
        raise RuntimeError(f"/mod/ answered {status}")
    # The dashboard lists the flagged, claim and citation queues, not them all.
    shown = {kind: int(n) for kind, n in re.findall(
        r'kind=(\w+)">(\d+) (?:flagged|unlabelled claims|with suggested)', page)}
    if not shown or shown != {kind: counts["queue"][kind] for kind in shown}:
        raise RuntimeError(f"/mod/ shows queue sizes {shown}, the database "
                           f"{counts['queue']}")
    print(f"  /mod/ answered 200 ({len(page) / 1000:.0f} kB) with the queue "
          f"sizes {shown}")
    for path in PAGES[1:]:
        status, page, _, _ = browser.request("GET", path)
        items = page.count('<li class="hit" data-kind=')
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        print(f"  {path} answered 200 ({len(page) / 1000:.0f} kB, {items} items)")


if __name__ == "__main__":
    main_or_child(main, child)
