"""`make run`'s demo: the Makefile's imports of samples/, run as the Makefile runs
them, give the 2000 thread as a tree and the four articles, and add nothing twice."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from sqlalchemy import select

from forum.extensions import db
from forum.models import Group, Post, Thread

REPO = Path(__file__).resolve().parents[1]


def makefile_imports() -> list[list[str]]:
    """The `flask ... import` commands of the `sample` target, variables expanded."""
    text = (REPO / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    variables = dict(re.findall(r"^(\w+)\s*:=\s*(.*)$", text, re.M))
    recipe = text.split("\nsample:", 1)[1].split("\n\n", 1)[0]
    commands = []
    for line in recipe.splitlines():
        if " import " in line:
            line = re.sub(r"\$\((\w+)\)", lambda m: variables[m[1]], line)
            commands.append(_expand(shlex.split(line.split(" import ", 1)[1])))
    return commands


def _expand(args: list[str]) -> list[str]:
    """Make's `$(sort $(wildcard samples/article-*.txt))`, done by hand."""
    out = []
    for arg in args:
        if arg.startswith("$("):  # the function names; the pattern follows
            continue
        pattern = arg.rstrip(")")
        out += sorted(map(str, REPO.glob(pattern))) if "*" in pattern else [arg]
    return out


def run_demo_imports(runner) -> list[str]:
    outputs = []
    for args in makefile_imports():
        result = runner.invoke(args=["import", *args])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    return outputs


def test_demo_imports_the_seed_thread_and_articles(runner, monkeypatch):
    monkeypatch.chdir(REPO)
    first = run_demo_imports(runner)
    assert len(first) == 3
    groups = db.session.scalars(select(Group.name).order_by(Group.name)).all()
    assert groups == ["alt.support.fibromyalgia", "articles.magnesium", "sci.med"]
    assert db.session.scalar(select(Group.post_count).where(
        Group.name == "sci.med")) == 1000  # real 1993 Usenet, no generated filler
    [thread] = db.session.scalars(
        select(Thread).where(
            Thread.subject == "MUSCLE SPASMS MAY BE A MAGNESIUM DEFICIENCY.")).all()
    posts = db.session.scalars(select(Post).where(Post.thread_id == thread.id)
                               .order_by(Post.thread_order)).all()
    assert [p.depth for p in posts] == [0, 1, 1, 2, 3]
    assert posts[0].date_precision == "day"
    assert all(p.parent_confidence for p in posts[1:])
    articles = db.session.scalars(select(Post).where(
        Post.message_id.like("article-%@web.invalid"))).all()
    assert len(articles) == 4
    again = run_demo_imports(runner)
    assert all(", imported 0," in output for output in again), again
