"""Readers, moderators and an import against a running server, at once.

Used by `bench/load.py` (the figures) and by `tests/web/test_load.py` (a short
run that must show no 5xx and no lost moderator action).  Readers fetch pages,
searches, feeds and the API; each moderator works its own posts, hiding,
restoring and labelling them through the real forms (sign-in, CSRF token,
POST).  Afterwards `check_moderation` compares what the moderators were told
with what the database holds: every action answered 302 must be in the audit
log, and each post must end as its last action left it.

Only the standard library and SQLAlchemy: the test imports this module too.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Sample:
    """One reader request."""

    path: str
    status: int
    seconds: float
    importing: bool
    started: float = 0.0  # time.monotonic() when the request was sent


@dataclass
class Action:
    """One moderator action and what the server answered."""

    moderator: str
    kind: str  # hide | restore | label
    permalink: str
    status: int
    seconds: float


@dataclass
class Site:
    """What there is to read, taken from the database before the run."""

    threads: list[int]
    permalinks: list[str]
    groups: list[str]
    queries: list[str]
    thread_of: dict[str, int] = field(default_factory=dict)

    def set_aside(self, count: int) -> list[str]:
        """The last `count` posts, for moderators; readers never ask for them
        or their threads (a hidden post, or a thread of hidden posts, is 404)."""
        theirs, self.permalinks = self.permalinks[-count:], self.permalinks[:-count]
        hidden_threads = {self.thread_of.get(p) for p in theirs}
        self.threads = [t for t in self.threads if t not in hidden_threads]
        self.permalinks = [p for p in self.permalinks
                           if self.thread_of.get(p) not in hidden_threads]
        return theirs

    def paths(self, rng: random.Random) -> list[str]:
        """A reader's round: pages, search, feeds and the API."""
        thread, post = rng.choice(self.threads), rng.choice(self.permalinks)
        group, query = rng.choice(self.groups), quote(rng.choice(self.queries))
        return [
            "/", f"/g/{group}/", f"/t/{thread}/", f"/p/{post}/",
            f"/search?q={query}", f"/g/{group}/feed.atom", f"/t/{thread}/feed.atom",
            f"/api/v1/threads/{thread}", f"/api/v1/search?q={query}",
        ]


class Browser:
    """One HTTP/1.1 connection with a cookie jar of its own."""

    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self._conn = None

    def request(self, method: str, path: str, form: dict | None = None
                ) -> tuple[int, str, float]:
        body = urlencode(form) if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                conn = self._connection()
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.HTTPException):
                self.close()  # a worker closed a kept-alive connection
                if attempt == 2:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return (response.status, data.decode("utf-8", "replace"),
                time.perf_counter() - started)

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                    timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@dataclass
class Load:
    """The shared state of one run: samples, actions, and the import flag."""

    port: int
    site: Site
    stop: threading.Event = field(default_factory=threading.Event)
    importing: threading.Event = field(default_factory=threading.Event)
    samples: list[Sample] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def read(self, seed: int, think: float = 0.0) -> None:
        """Fetch a round of pages after another; `think` seconds between two
        requests (0: as fast as the server answers, a saturating client)."""
        rng, browser = random.Random(seed), Browser(self.port)
        try:
            while not self.stop.is_set():
                for path in self.site.paths(rng):
                    if self.stop.is_set():
                        break
                    importing, started = self.importing.is_set(), time.monotonic()
                    status, _body, seconds = browser.request("GET", path)
                    self.samples.append(
                        Sample(path, status, seconds, importing, started))
                    if think:
                        time.sleep(think * rng.uniform(0.5, 1.5))
        except Exception as error:  # noqa: BLE001 - reported by the caller
            self.errors.append(f"reader {seed}: {type(error).__name__}: {error}")
        finally:
            browser.close()

    def moderate(self, name: str, password: str, permalinks: list[str],
                 pause: float = 0.2, count: int | None = None) -> None:
        """Cycle through `permalinks`: hide, restore, label, over and over,
        until stopped or, given `count`, after that many actions."""
        browser = Browser(self.port)
        try:
            sign_in(browser, name, password)
            step = 0
            while not self.stop.is_set() and (count is None or step < count):
                permalink = permalinks[step % len(permalinks)]
                cycle = step // len(permalinks)
                kind = ("hide", "restore", "label")[cycle % 3]
                self.actions.append(act(browser, name, kind, permalink,
                                        LABEL_KINDS[cycle // 3 % len(LABEL_KINDS)]))
                step += 1
                time.sleep(pause)
        except Exception as error:  # noqa: BLE001 - reported by the caller
            self.errors.append(f"moderator {name}: {type(error).__name__}: {error}")
        finally:
            browser.close()


def sign_in(browser: Browser, name: str, password: str) -> None:
    status, page, _ = browser.request("GET", "/login")
    token = _TOKEN.search(page)
    assert status == 200 and token, f"login page: {status}"
    status, _, _ = browser.request("POST", "/login", {
        "name": name, "password": password, "csrf_token": token.group(1)})
    assert status == 302, f"{name} could not sign in: {status}"


FORMS = {
    "hide": ("hide", {"reason": "spam", "why": "load test"}),
    "restore": ("restore", {"why": "load test: shown again"}),
    "label": ("labels", {"scope": "post", "rationale": "load test label"}),
}
# A post takes one label of each kind: each round of labels uses the next kind.
LABEL_KINDS = ["needs_source", "off_topic", "personal_experience",
               "medical_advice_caution", "source_not_found", "unsupported"]


def act(browser: Browser, name: str, kind: str, permalink: str,
        label: str = "needs_source") -> Action:
    started = time.perf_counter()
    status, page, _ = browser.request("GET", f"/mod/p/{permalink}/")
    token = _TOKEN.search(page)
    if status != 200 or not token:
        return Action(name, kind, permalink, status, time.perf_counter() - started)
    route, form = FORMS[kind]
    if kind == "label":
        form = {**form, "kind": label}
    status, _, _ = browser.request("POST", f"/mod/p/{permalink}/{route}",
                                   {**form, "csrf_token": token.group(1)})
    return Action(name, kind, permalink, status, time.perf_counter() - started)


def check_moderation(database_url: str, actions: list[Action]) -> list[str]:
    """What the moderators were told against what the database holds."""
    from sqlalchemy import create_engine, text

    lost: list[str] = []
    done = [a for a in actions if a.status == 302]
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            audited = dict(((actor, action), count) for actor, action, count in
                           conn.execute(text(
                               "SELECT actor_name, action, count(*) FROM audit_entries "
                               "GROUP BY actor_name, action")))
            hidden = dict(conn.execute(text(
                "SELECT permalink, is_hidden FROM posts")).all())
    finally:
        engine.dispose()
    names = {"hide": "post.hide", "restore": "post.restore", "label": "label.create"}
    for moderator in {a.moderator for a in actions}:
        for kind, action in names.items():
            told = sum(a.moderator == moderator and a.kind == kind for a in done)
            stored = audited.get((moderator, action), 0)
            if told != stored:
                lost.append(f"{moderator} {kind}: {told} answered 302, "
                            f"{stored} in the audit log")
    last: dict[str, str] = {}
    for a in done:
        if a.kind in ("hide", "restore"):
            last[a.permalink] = a.kind
    for permalink, kind in last.items():
        if bool(hidden.get(permalink)) != (kind == "hide"):
            lost.append(f"post {permalink}: last action {kind}, "
                        f"hidden={hidden.get(permalink)}")
    return lost


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def site_from(database_url: str, queries: list[str], limit: int = 500) -> Site:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            threads = list(conn.scalars(text(
                "SELECT id FROM threads ORDER BY id LIMIT :n"), {"n": limit}))
            thread_of = dict(conn.execute(text(
                "SELECT permalink, thread_id FROM posts WHERE is_ghost = false AND "
                "is_hidden = false ORDER BY id LIMIT :n"), {"n": limit}).all())
            groups = list(conn.scalars(text("SELECT name FROM groups")))
    finally:
        engine.dispose()
    return Site(threads, list(thread_of), groups, queries, thread_of)
