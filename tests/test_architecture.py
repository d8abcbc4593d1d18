"""The dependency direction (ARCHITECTURE.md), read from every module's imports.

The rules are a table: a folder, what no module in it may import, and why.
A new import against a rule fails here, naming the file and the import;
imports that break a rule today are listed in KNOWN_DEBTS, each to be
removed, so the table stays the truth and nothing new joins them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Rule:
    folder: str
    forbidden: tuple[str, ...]
    why: str
    exclude: tuple[str, ...] = ()
    # Narrower modules a forbidden name still allows (Whoosh's stemmer is a
    # text utility, not the search engine).
    allowed: tuple[str, ...] = ("whoosh.lang",)


RULES = [
    Rule("incoming", ("forum", "importers", "flask", "sqlalchemy", "nh3", "whoosh",
                      "tantivy"),
         "the contract between parsers and archive sits below both and leans on "
         "neither"),
    Rule("importers", ("forum", "flask", "sqlalchemy"),
         "parsers are pure: files in, messages out; the runner and its reader "
         "process are the archive's side of the door",
         exclude=("runner.py", "pipeline.py")),
    Rule("forum/models", ("forum.services", "forum.web", "forum.search", "forum.nntp",
                          "importers", "flask", "whoosh", "tantivy"),
         "models hold data only"),
    Rule("forum/services", ("forum.web", "forum.nntp", "flask", "whoosh", "tantivy",
                            "forum.search.backends", "importers"),
         "services serve pages, commands and the news server alike, outside "
         "any request; they reach search through its interface"),
    Rule("forum/web", ("whoosh", "tantivy", "nh3", "forum.search", "importers",
                       "forum.nntp"),
         "views go through services; only markup touches the sanitiser"),
    Rule("forum/nntp", ("forum.web", "flask", "whoosh", "tantivy", "importers",
                        "forum.search"),
         "the news server reads through services, outside any request"),
    Rule("forum/search", ("forum.web", "forum.services", "forum.nntp", "importers",
                          "flask_login"),
         "search sits below the services that call it"),
    Rule("forum/text", ("flask", "sqlalchemy", "forum.models", "forum.services",
                        "forum.web", "forum.search", "importers"),
         "text helpers work on strings: no database, no request"),
    Rule("forum/citations", ("flask", "sqlalchemy", "forum.models", "forum.services",
                             "forum.web"),
         "citation parsing and lookup are a library: text and HTTP in, data out"),
    Rule("forum/claim_match", ("flask", "sqlalchemy", "forum.models", "forum.services",
                               "forum.web", "forum.search"),
         "the claim matcher is a library: sentences in, scores out"),
]

# Search backends are siblings behind one interface: only forum/search imports them.
BACKENDS = ("whoosh", "tantivy", "forum.search.backends")

# Imports against a rule that the code still makes, each to be removed.  (The
# last ones, services reading IncomingMessage and Google Groups dates from
# importers, went when both sides began to read them from `incoming`.)
KNOWN_DEBTS: set[tuple[str, str]] = set()


def imports_of(path: Path, *, type_only: bool = False) -> set[str]:
    """Every module `path` imports (absolute imports; those under `if
    TYPE_CHECKING:` only when `type_only`), names taken from a package
    counted as the submodule they name where one exists."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set() if type_only else _type_checking_nodes(tree)
    names: set[str] = set()
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                names.add(sub if _is_module(sub) else node.module)
    return names


def _type_checking_nodes(tree: ast.AST) -> set[ast.AST]:
    found: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                found.update(ast.walk(child))
    return found


def _is_module(name: str) -> bool:
    path = REPO / Path(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def modules(folder: str, exclude: tuple[str, ...] = ()) -> list[Path]:
    return [p for p in sorted((REPO / folder).rglob("*.py")) if p.name not in exclude]


def violations(rule: Rule, root: Path = REPO) -> list[tuple[str, str]]:
    """(file, import) pairs in the rule's folder that name a forbidden module."""
    found = []
    for path in sorted((root / rule.folder).rglob("*.py")):
        if path.name in rule.exclude:
            continue
        for name in sorted(imports_of(path)):
            if _under(name, rule.forbidden) and not _under(name, rule.allowed):
                found.append((path.relative_to(root).as_posix(), name))
    return found


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("rule", RULES, ids=[rule.folder for rule in RULES])
def test_dependency_direction(rule):
    new = [pair for pair in violations(rule) if pair not in KNOWN_DEBTS]
    assert new == [], f"{rule.folder}: {rule.why}"


def test_known_debts_are_still_owed():
    """A debt paid off leaves the list, so it cannot quietly come back."""
    owed = {pair for rule in RULES for pair in violations(rule)}
    assert KNOWN_DEBTS - owed == set()


def test_a_wrong_import_in_a_new_file_fails(tmp_path):
    (tmp_path / "forum" / "web").mkdir(parents=True)
    (tmp_path / "forum" / "web" / "fine.py").write_text(
        "from forum.services import archive\n")
    (tmp_path / "forum" / "web" / "shortcut.py").write_text(
        "from forum.search.backends.tantivy import TantivyIndex\n"
        "def f():\n    import nh3\n")
    web = next(rule for rule in RULES if rule.folder == "forum/web")
    assert violations(web, tmp_path) == [
        ("forum/web/shortcut.py", "forum.search.backends.tantivy"),
        ("forum/web/shortcut.py", "nh3"),
    ]


def test_only_the_search_package_imports_a_backend():
    outside = [(path.relative_to(REPO).as_posix(), name)
               for folder in ("forum", "importers", "incoming")
               for path in modules(folder)
               if not path.relative_to(REPO).as_posix().startswith("forum/search/")
               for name in imports_of(path)
               if _under(name, BACKENDS) and not _under(name, ("whoosh.lang",))]
    assert outside == []


def test_only_markup_imports_the_sanitiser():
    users = [str(p.relative_to(REPO)) for p in modules("forum")
             if "nh3" in imports_of(p)]
    assert users in ([], ["forum/text/markup.py"])


def test_no_import_circles():
    """No two modules of forum/ or importers/ need each other at run time
    (a name imported for type hints only may point back)."""
    graph = {}
    for folder in ("forum", "importers", "incoming"):
        for path in modules(folder):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            name = name.removesuffix(".__init__")
            graph[name] = {n for n in imports_of(path) if _is_module(n)} - {name}
    assert circles(graph) == []


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_circles_are_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [
        ["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
