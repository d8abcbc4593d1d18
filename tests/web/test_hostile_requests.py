"""Hostile input in every route of the URL map: a 4xx page, never a 5xx.

The requests are made from the app itself, so a route or a field is covered
the day it is added: routes come from `app.url_map`, and the names of the
query and form fields from reading the source of `forum/web`
(`request.args.get("q")`, `form.get("why")`, and helpers such as `page_arg()`
or `_day("since")` that read the name they are given).

Each role (a reader, a moderator, an admin) sends every route every hostile
value and every field name at least once, and each name twice.  The deeper
cross product is shared out, deterministically, so the module stays quick:
between the roles that get past a route's sign-in, every hostile path value;
in each query field a view reads (itself or through the helpers it calls),
the routes that read that field take turns with the values; in a form, every
field the view reads gets every CORE value.

A 4xx must be a friendly page: HTML without a traceback, or JSON with an
`error` under /api/.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlsplit

import pytest
from werkzeug.routing.converters import NumberConverter

from forum import create_app
from forum.extensions import db
from forum.models import AuditEntry, ImportRun
from forum.services import citations, evidence, moderation, takedowns
from forum.services.accounts import create_user
from tests.evidence.conftest import (  # noqa: F401 - a fixture, found by name
    PASSWORD,
    Auth,
    csrf_token,
    quick_password_hashing,
)
from tests.helpers import REPO, url_map_routes
from tests.web.factories import ArchiveFactory, build_sample
from tests.web.routes import any_choices

WEB = REPO / "forum" / "web"


def _q(text: str) -> str:
    return quote(text, safe="")


# Values as they go on the wire, already percent-encoded: some are not UTF-8.
NUMBERS = ["0", "-1", "abc", "1e3", _q("٣")]
TEXTS = ["%00", "%ff%fe", "x" * 10_000, "../", "..%2f..%2fetc", _q("😀"),
         _q("a'b\"c"), "(("]
COUNTS = [str(10**20), "1.5", _q("²"), ""]  # with -1, 0 and abc above
SEARCH_SYNTAX = [_q(text) for text in (
    '"unbalanced', "(a OR b", "a) OR (b", "AND OR NOT", "subject:", 'from:"',
    "date:2000..1999", "d:1999-02-30", "thread:" + "9" * 30, "pmid:" + "9" * 30,
    "label:((", "is:flagged", "*", "?", "a*", "-", "s:" * 300,
    "(" * 200 + "a" + ")" * 200, " ".join(["w"] * 5000), "a\x00b", "\u202e",
)] + ["%c3%28", "%ed%a0%80", "%zz"]  # invalid UTF-8, a surrogate, a bad escape
VALUES = NUMBERS + TEXTS + COUNTS + SEARCH_SYNTAX
PATH_VALUES = {True: NUMBERS, False: TEXTS}  # by "is a number argument"
ARGUMENT = re.compile(r"<(?:[^<>:]+:)?(\w+)>")  # a rule's <converter:name>


# -- which names the views read ------------------------------------------------


@dataclass
class Reads:
    """The query and form fields a function reads, and the functions it calls."""

    args: set[str] = field(default_factory=set)
    form: set[str] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)


def _container(node: ast.expr) -> str | None:
    """'args', 'form' or 'values' for `request.args` & co. (and a `form` local)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.value.id == "request" and node.attr in ("args", "form", "values"):
        return node.attr
    if isinstance(node, ast.Name) and node.id == "form":
        return "form"
    return None


def _read(node: ast.AST) -> tuple[str, ast.expr] | None:
    """(container, key expression) for `X.get(key)`, `X.getlist(key)`, `X[key]`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr in ("get", "getlist") and node.args:
        where = _container(node.func.value)
        return (where, node.args[0]) if where else None
    if isinstance(node, ast.Subscript):
        where = _container(node.value)
        return (where, node.slice) if where else None
    return None


def _add(reads: Reads, where: str, name: str) -> None:
    if where in ("args", "values"):
        reads.args.add(name)
    if where in ("form", "values"):
        reads.form.add(name)


def _functions() -> list[ast.FunctionDef]:
    found = []
    for path in sorted(WEB.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found += [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]
    return found


@dataclass(frozen=True)
class Helper:
    """A function that reads the field(s) its caller names: `page_arg("page")`,
    or `act_on_found(permalink, service, "reason", "why")` through `*fields`."""

    where: str  # args | form | values
    param: str
    index: int
    default: str | None
    every_one_after: bool = False  # a *fields parameter: each argument from index on


def _vararg_names(function: ast.FunctionDef) -> set[str]:
    """Loop variables running over the function's `*fields` parameter."""
    vararg = function.args.vararg
    if vararg is None:
        return set()
    return {node.target.id for node in ast.walk(function)
            if isinstance(node, ast.comprehension | ast.For)
            and isinstance(node.iter, ast.Name) and node.iter.id == vararg.arg
            and isinstance(node.target, ast.Name)}


def _helpers(functions) -> dict[str, Helper]:
    """Functions that read a field named by a parameter, by name."""
    helpers = {}
    for function in functions:
        params = [arg.arg for arg in function.args.args]
        defaults = [None] * (len(params) - len(function.args.defaults)) + [
            d.value if isinstance(d, ast.Constant) else None
            for d in function.args.defaults]
        each = _vararg_names(function)
        for node in ast.walk(function):
            read = _read(node)
            if not (read and isinstance(read[1], ast.Name)):
                continue
            if read[1].id in params:
                index = params.index(read[1].id)
                helpers[function.name] = Helper(read[0], read[1].id, index,
                                                defaults[index])
            elif read[1].id in each:
                helpers[function.name] = Helper(read[0], function.args.vararg.arg,
                                                len(params), None, True)
    return helpers


def _helper_call(node: ast.Call, helper: Helper) -> list[str]:
    """The literal names a call to an argument-reading helper asks for."""
    if helper.every_one_after:
        return [arg.value for arg in node.args[helper.index:]
                if isinstance(arg, ast.Constant)]
    given = [kw.value for kw in node.keywords if kw.arg == helper.param]
    if len(node.args) > helper.index:
        given.append(node.args[helper.index])
    if not given:
        return [helper.default] if helper.default else []
    return [given[0].value] if isinstance(given[0], ast.Constant) else []


def scan_web() -> dict[str, Reads]:
    """What every function in forum/web reads, by function name."""
    functions = _functions()
    helpers = _helpers(functions)
    reads: dict[str, Reads] = defaultdict(Reads)
    for function in functions:
        mine = reads[function.name]
        for node in ast.walk(function):
            read = _read(node)
            if read and isinstance(read[1], ast.Constant):
                _add(mine, read[0], read[1].value)
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue  # forum/web calls its own helpers by their bare names
            called = node.func.id
            mine.calls.add(called)
            if called in helpers:
                for name in _helper_call(node, helpers[called]):
                    _add(mine, helpers[called].where, name)
    return reads


def view_reads(app, endpoint: str, scanned: dict[str, Reads]) -> Reads:
    """The fields a view reads itself or through anything it calls in forum/web."""
    view = inspect.unwrap(app.view_functions[endpoint])
    total, seen, todo = Reads(), set(), [view.__name__]
    while todo:
        name = todo.pop()
        if name in seen or name not in scanned:
            continue
        seen.add(name)
        total.args |= scanned[name].args
        total.form |= scanned[name].form
        todo += scanned[name].calls
    return total


# -- the archive the requests aim at ----------------------------------------------


def archive_to_aim_at() -> dict[str, object]:
    """The sample archive, two accounts, evidence rows; a real value for each
    path argument, so that hostile values meet real rows."""
    session = db.session
    evidence.seed_label_kinds(session)
    create_user(session, "mara", PASSWORD, "moderator")
    user = create_user(session, "ada", PASSWORD, "admin")
    sample = build_sample(ArchiveFactory(session))
    kinds = evidence.label_kinds(session)
    kind = next(k for k in kinds if not k.requires_citation)
    label = evidence.label_post(session, user, sample.reply, kind.key,
                                "A rationale long enough to be accepted here.")
    attached = citations.attach_citation(session, user, sample.root, "PMID 9068914")
    flag = moderation.flag_post(session, sample.root, "spam", "", "client",
                                per_hour=100, hide_at=0)
    change = takedowns.redact_post(session, user, sample.orphan, "archive never",
                                   "other")
    run = ImportRun(started_at=datetime(2001, 1, 1), sources="/data/x.mbox",
                    format="mbox")
    session.add(run)
    session.flush()
    entry = session.scalar(db.select(AuditEntry).order_by(AuditEntry.id).limit(1))
    session.commit()
    return {
        "name": sample.group.name, "year": 2000, "month": 10,
        "thread_id": sample.thread.id, "permalink": sample.root.permalink,
        "slug": sample.thai.slug, "run_id": run.id, "citation_id":
        attached.citation_id, "label_id": label.id, "item_id": attached.id,
        "entry_id": entry.id, "flag_id": flag.id, "change_id": change.id,
        "key": kind.key, "filename": "queue-keys.js",
    }


def _is_number(rule, name: str) -> bool:
    return isinstance(rule._converters[name], NumberConverter)


def _path(rule, values: dict[str, str]) -> str:
    """The rule's path with each argument (`<name>`, `<int:name>`,
    `<any(a, b):name>`...) given its value."""
    path = ARGUMENT.sub(lambda found: values.get(found[1], found[0]), rule.rule)
    assert "<" not in path, f"fill in {path}"
    return path


def _real(rule, real: dict[str, object]) -> dict[str, str]:
    """Real values for the rule's arguments ("1" or "x" for one nobody named)."""
    return {name: quote(str(real.get(name, 1 if _is_number(rule, name) else "x")))
            for name in rule.arguments}


# -- the requests -------------------------------------------------------------------

TOKEN = "CSRF-TOKEN"  # each client's own token goes in its place
CORE = NUMBERS + TEXTS + COUNTS  # every form field a view reads gets each of these


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    form: str | None = None  # an urlencoded body, hostile bytes included


@dataclass
class RouteProbes:
    """One route's hostile requests.

    Every role sends `base` (which tells whether the role gets past the
    route's sign-in) and `light`: every value and every field name at least
    once, and each name twice.  `heavy` is shared out between the roles that
    get past the sign-in: every path value, and the values of each field the
    view reads (the query is one field a request; a form has all of its own).
    """

    base: Probe
    light: list[Probe]
    heavy: list[Probe]


@dataclass
class Turns:
    """The routes that read a query field take turns with its values: each
    value is tried once in the field (the field is read by the same code),
    and each route gets its share."""

    readers: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def values(self, name: str, route: int) -> list[str]:
        readers = self.readers[name]
        return [value for k, value in enumerate(VALUES)
                if readers[k % len(readers)] == route]


def hostile_routes(app, real: dict[str, object]) -> list[RouteProbes]:
    """The hostile requests for every GET and POST route of the URL map."""
    scanned = scan_web()
    names = (sorted({n for reads in scanned.values() for n in reads.args}),
             sorted({n for reads in scanned.values() for n in reads.form}))
    assert {"q", "page", "sort"} <= set(names[0]) and "why" in names[1], \
        f"the scan of forum/web found too few field names: {names}"
    # A rule with an `any(...)` segment is a route for each of its values:
    # /t/1/mbox and /t/1/mbox.gz are one view, and both are sent.
    routes = [(method, rule, choice) for method, rule in url_map_routes(app)
              for choice in any_choices(rule)]
    # Signing out (and failed sign-ins, which are throttled) come last.
    routes.sort(key=lambda route: (route[1].endpoint.startswith("auth."),
                                   route[1].endpoint == "auth.logout"))
    reads = [view_reads(app, rule.endpoint, scanned) for _, rule, _ in routes]
    turns = Turns()
    for index, read in enumerate(reads):
        for name in read.args:
            turns.readers[name].append(index)
    return [_route_probes(method, rule, {**_real(rule, real), **choice}, reads[index],
                          index, names, turns)
            for index, (method, rule, choice) in enumerate(routes)]


def _route_probes(method, rule, real_args: dict[str, str], reads: Reads, index: int,
                  names: tuple[list[str], list[str]], turns: Turns) -> RouteProbes:
    base = _path(rule, real_args)
    post = method == "POST"
    queries = [*_spread(names[0], index), _twice(names[0])]
    forms = ([*_spread(names[1], index), _twice(names[1])] if post else [])
    light = [_probe(method, base, query, form)
             for query, form in _pairs(queries, forms)]
    heavy = [_probe(method, _path(rule, {**real_args, name: value}))
             for name in rule.arguments
             for value in PATH_VALUES[_is_number(rule, name)]]
    heavy += [_probe(method, base, f"{name}={value}")
              for name in sorted(reads.args) for value in turns.values(name, index)]
    if reads.args:  # a bad value first, then a good one
        heavy.append(_probe(method, base, "&".join(
            f"{name}={CORE[1]}&{name}=1" for name in sorted(reads.args))))
    if post:
        light.append(Probe("POST", base, ""))  # no CSRF token: a page as well
        heavy += [_probe("POST", base, form=form)
                  for form in _forms(sorted(reads.form))]
    return RouteProbes(_probe(method, base), light, heavy)


def _probe(method: str, path: str, query: str = "", form: str = "") -> Probe:
    url = f"{path}?{query}" if query else path
    if method != "POST":
        return Probe(method, url)
    return Probe(method, url, "&".join(filter(None, [f"csrf_token={TOKEN}", form])))


def _pairs(queries: list[str], forms: list[str]) -> list[tuple[str, str]]:
    """Query strings and forms side by side, in as few requests as hold them."""
    longest = max(len(queries), len(forms))
    queries += [""] * (longest - len(queries))
    forms += [""] * (longest - len(forms))
    return list(zip(queries, forms, strict=True))


def _spread(names: list[str], start: int) -> list[str]:
    """Fields with every name in each, the values rotating between them, so
    that together they hold every value at least once."""
    rounds = -(-len(VALUES) // len(names))
    return ["&".join(f"{name}={VALUES[(start + r * len(names) + j) % len(VALUES)]}"
                     for j, name in enumerate(names)) for r in range(rounds)]


def _twice(names: list[str]) -> str:
    return "&".join(f"{name}=1&{name}=2" for name in names)


def _forms(fields: list[str]) -> list[str]:
    """Forms that fill every field the view reads, each with another value:
    every CORE value in every field, and SEARCH_SYNTAX spread between them."""
    if not fields:
        return []
    rounds = [[CORE[(k + j) % len(CORE)] for j in range(len(fields))]
              for k in range(len(CORE))]
    rounds += [[SEARCH_SYNTAX[(r * len(fields) + j) % len(SEARCH_SYNTAX)]
                for j in range(len(fields))]
               for r in range(-(-len(SEARCH_SYNTAX) // len(fields)))]
    return ["&".join(f"{name}={value}" for name, value in zip(fields, values,
                                                               strict=True))
            for values in rounds]


# -- sending them ------------------------------------------------------------------


def complaint(probe: Probe, response) -> str | None:
    """What is wrong with the answer to a hostile request, or None."""
    status = response.status_code
    if status >= 500:
        return f"{status}"
    if b"Traceback" in response.data:
        return f"{status} with a traceback"
    if status < 400:
        return None
    if probe.url.startswith("/api/"):
        data = response.get_json(silent=True)
        return None if isinstance(data, dict) and data.get("error") else \
            f"{status} without a JSON error"
    if response.mimetype != "text/html" or not response.data.strip():
        return f"{status} as {response.mimetype!r}, not a page"
    return None


@dataclass
class Role:
    """One visitor: a client signed in (or not), and what its requests met."""

    name: str
    client: object
    token: str = ""
    sent: int = 0
    server_errors: int = 0
    wrong: dict[str, str] = field(default_factory=dict)

    def send(self, probe: Probe) -> bool:
        """Send `probe` and judge the answer; whether it got past the sign-in."""
        self.sent += 1
        reached, problem = False, None
        try:
            with self._open(probe) as response:  # closes a static file
                problem = complaint(probe, response)
                reached = response.status_code != 403 and not (
                    response.status_code == 302
                    and urlsplit(response.location).path == "/login")
        except Exception as error:  # noqa: BLE001 - a 500, propagated in testing
            problem = f"500 {type(error).__name__}: {str(error)[:200]}"
        if problem:
            self.server_errors += problem.startswith("5")
            form = (probe.form or "").replace(self.token, TOKEN)
            self.wrong[f"{probe.method} {probe.url[:150]} {form[:150]}"] = problem
        return reached

    def _open(self, probe: Probe):
        if probe.form is None:
            return self.client.open(probe.url, method=probe.method)
        return self.client.open(
            probe.url, method=probe.method,
            data=probe.form.replace(TOKEN, self.token).encode(),
            content_type="application/x-www-form-urlencoded")


def send_all(routes: list[RouteProbes], roles: list[Role]) -> None:
    """Route by route: every role's base and light requests, then the heavy ones
    shared between the roles that reached the view (all, if none did)."""
    for route in routes:
        reached = [role for role in roles if role.send(route.base)] or roles
        for role in roles:
            for probe in route.light:
                role.send(probe)
        for index, probe in enumerate(route.heavy):
            reached[index % len(reached)].send(probe)


ROLES = {"anonymous": None, "moderator": "mara", "admin": "ada"}


def signed_in_roles(app) -> list[Role]:
    """A reader, a moderator and an admin, signed in before any failed sign-in
    (they are throttled per address, and every test client has the same one)."""
    roles = []
    for name, user in ROLES.items():
        role = Role(name, app.test_client())
        if user:
            assert Auth(role.client).login(user).status_code == 302
        role.token = csrf_token(role.client, "/login")
        roles.append(role)
    return roles


@pytest.fixture(scope="module")
def aimed(module_app):
    """The module's one archive; each request then gets an app context of its
    own, as in production: a client's `g` (its user, its CSRF token) is not
    another's.  Every test here uses it: its rows stay until the module ends."""
    with module_app.app_context():
        return module_app, archive_to_aim_at()


def test_what_they_found_is_a_clear_400(aimed):
    """NUL bytes (PostgreSQL refuses them), a thread number past the engines'
    integers, and a digit int() refuses: each was a 500."""
    app, _ = aimed
    # Another address: the sign-ins that fail below are throttled per address.
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    for path, said in [("/p/%00/", "NUL character"),
                       ("/search?q=a%00b", "NUL character"),
                       ("/search?q=thread:" + "9" * 30, "There is no thread 9")]:
        response = client.get(path)
        assert (response.status_code, response.mimetype) == (400, "text/html"), path
        assert said in response.get_data(as_text=True), path
    api = client.get("/api/v1/search?q=thread:" + "9" * 30)
    assert api.status_code == 400 and "There is no thread" in api.get_json()["error"]
    assert Auth(client).login("ada").status_code == 302
    audit = client.get("/mod/audit?post=%C2%B2")
    assert audit.status_code == 400 and b"must be a post number" in audit.data
    form = client.post("/mod/p/x/hide", data={
        "csrf_token": csrf_token(client, "/mod/"), "why": "a\x00b"})
    assert form.status_code == 400 and b"NUL character" in form.data


def test_no_hostile_request_answers_5xx(aimed, capsys):
    app, real = aimed
    routes = hostile_routes(app, real)
    roles = signed_in_roles(app)
    send_all(routes, roles)
    summary = (f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: "
               f"{'/'.join(str(r.sent) for r in roles)} hostile requests as "
               f"{'/'.join(r.name for r in roles)}, "
               f"{'/'.join(str(r.server_errors) for r in roles)} answered 5xx "
               f"({len(routes)} routes)")
    with capsys.disabled():
        print(f"\n{summary}")
    wrong = [f"{role.name}: {problem}: {request}"
             for role in roles for request, problem in role.wrong.items()]
    assert not wrong, f"{summary}; {len(wrong)} wrong:\n" + "\n".join(wrong[:40])


@pytest.fixture
def bare_app(tmp_path):
    """An app on an in-memory database, for what needs none of the module's rows."""
    return create_app({"TESTING": True, "SECRET_KEY": "test",
                       "SQLALCHEMY_DATABASE_URI": "sqlite://",
                       "FORUM_DATA_DIR": str(tmp_path)})


def test_a_500_would_be_seen(bare_app):
    """The judge counts an exception (testing propagates it) and a 5xx page."""
    app = bare_app
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom/<int:number>/")
    def boom(number: int):
        raise RuntimeError("boom")

    role = Role("anonymous", app.test_client())
    assert role.send(Probe("GET", "/boom/1/"))
    app.config["PROPAGATE_EXCEPTIONS"] = True
    role.send(Probe("GET", "/boom/0/"))
    assert (role.sent, role.server_errors) == (2, 2), role.wrong


def test_the_scan_finds_the_fields_views_read(bare_app):
    """Direct reads, helpers with a default, helpers given a name or names."""
    app = bare_app
    scanned = scan_web()
    assert {"q", "sort", "group", "thread", "page"} == view_reads(
        app, "api.search", scanned).args
    assert {"since", "until", "post", "page", "actor", "action", "target"} == \
        view_reads(app, "moderation.audit_log", scanned).args
    assert {"reason", "website", "text"} == view_reads(app, "flags.flag", scanned).form
    assert {"next"} == view_reads(app, "auth.login", scanned).args
    # Helpers given the names as *fields: act_on_found, act_on_item.
    assert {"reason", "why"} <= view_reads(app, "moderation.hide_post", scanned).form
    assert {"removed", "reason", "why", "thread_wide"} <= view_reads(
        app, "takedowns.redact", scanned).form
    assert {"outcome", "note"} <= view_reads(
        app, "moderation.resolve_flag", scanned).form
    assert {"confirm", "reason", "why"} <= view_reads(
        app, "takedowns.purge", scanned).form
