"""The run's snapshots (tests/corpus_cache.py): made once, copied privately."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text

from forum.extensions import db
from forum.models import Group
from tests.conftest import admin_engine
from tests.corpus_cache import app_on_copy, snapshot


def group_names() -> list[str]:
    return list(db.session.scalars(select(Group.name).order_by(Group.name)))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_snapshot_is_made_once_and_each_copy_is_private(kind, tmp_path_factory):
    made: list[int] = []

    def fill() -> dict:
        made.append(1)
        db.session.add(Group(name="probe.kept"))
        db.session.commit()
        return {"groups": db.session.scalar(select(func.count()).select_from(Group))}

    name = f"probe-{uuid.uuid4().hex[:8]}"  # the run's other snapshots stay apart
    first = snapshot(name, kind, tmp_path_factory, fill)
    again = snapshot(name, kind, tmp_path_factory, fill)
    assert made == [1] and again == first and first.report == {"groups": 1}

    with (app_on_copy(first, tmp_path_factory.mktemp("one")) as one,
          app_on_copy(first, tmp_path_factory.mktemp("two")) as two):
        with one.app_context():
            db.session.add(Group(name="probe.only.in.one"))
            db.session.commit()
            assert group_names() == ["probe.kept", "probe.only.in.one"]
            db.session.remove()
        with two.app_context():
            assert group_names() == ["probe.kept"]
            db.session.remove()


def test_a_snapshot_that_fails_drops_its_database(tmp_path_factory):
    def fill() -> dict:
        db.session.add(Group(name="probe.half.made"))
        db.session.flush()
        raise RuntimeError("the import broke")

    name = f"failing-{uuid.uuid4().hex[:8]}"
    with pytest.raises(RuntimeError, match="the import broke"):
        snapshot(name, "postgresql", tmp_path_factory, fill)
    engine = admin_engine()
    try:
        with engine.connect() as conn:
            left = conn.scalars(text("SELECT datname FROM pg_database WHERE "
                                     "datname LIKE :p"), {"p": f"%{name}%"}).all()
    finally:
        engine.dispose()
    assert left == []
