"""Migration 0016 counts each group's threads per month as the counters do.

The group page's "By month" list is read from group_months, which the
counters refresh (services.counters.refresh_months) and migration 0016 fills
for an existing archive with its own SQL per database.  Both must give the
same rows, so an upgraded archive shows what a fresh import would.
"""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from tests.helpers import REPO
from tests.processes import app_env, flask, migrate, scratch_database

SAMPLE = REPO / "samples" / "health-forum-sample.mbox.gz"
ROWS = "SELECT group_id, year, month, thread_count FROM group_months ORDER BY 1, 2, 3"


def _months(url: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(ROWS))]
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_migration_fills_the_months_the_import_counted(kind, tmp_path):
    with scratch_database(kind, tmp_path) as url:
        flask(app_env(tmp_path / "data", url), "import", str(SAMPLE))
        counted = _months(url)
        assert len(counted) > 3 and all(n > 0 for *_key, n in counted)
        migrate(url, command.downgrade, "0015")
        migrate(url, command.upgrade, "head")
        assert _months(url) == counted
