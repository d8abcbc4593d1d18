"""The audit log is append-only on every path: ORM, bulk statements, raw SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from forum.extensions import db
from forum.models import AuditEntry
from forum.models.audit import AuditLogIsAppendOnly
from forum.services.audit import record

# Search in memory: these tests import small archives many times over.
pytestmark = pytest.mark.search_backend("whoosh-ram")


@pytest.fixture
def entry(app, moderator) -> AuditEntry:
    made = record(db.session, moderator, "label.create", target_type="label",
                  target_id=1, why="first")
    db.session.commit()
    return made


def test_orm_changes_and_deletes_are_refused(app, entry):
    entry.why = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("statement", [
    update(AuditEntry).values(why="rewritten"),
    delete(AuditEntry),
])
def test_bulk_statements_are_refused(app, entry, statement):
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(statement)
    db.session.rollback()


@pytest.mark.parametrize("sql", [
    "UPDATE audit_entries SET why = 'rewritten'",
    "DELETE FROM audit_entries",
])
def test_the_database_refuses_raw_sql_too(app, entry, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(sql))
    assert db.session.scalar(select(AuditEntry.why).where(
        AuditEntry.id == entry.id)) == "first"


def test_an_undo_is_a_new_entry_pointing_at_the_old_one(app, entry, moderator):
    undo = record(db.session, moderator, "label.restore", target_type="label",
                  target_id=1, reverts=entry)
    db.session.commit()
    assert undo.reverts_id == entry.id
    assert db.session.scalar(select(AuditEntry.why).where(
        AuditEntry.id == entry.id)) == "first"


def test_moderators_browse_and_filter_the_log(app, client, auth, entry, admin):
    record(db.session, admin, "taxonomy.update", target_type="label_kind",
           target_id=3)
    db.session.commit()
    auth.login("mara")
    everything = client.get("/mod/audit").get_data(as_text=True)
    assert "label.create" in everything and "taxonomy.update" in everything
    only = client.get("/mod/audit?actor=ada").get_data(as_text=True)
    assert "taxonomy.update" in only and "<code>label.create</code>" not in only
    assert client.get("/mod/audit?since=yesterday").status_code == 400
