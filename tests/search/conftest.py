"""Every search backend, opened empty, for the contract tests.

tantivy and Whoosh on disk in the test's folder (and their RAM variants);
PostgreSQL in a scratch database of its own, skipped with the reason where no
server answers.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import postgres_database

BACKENDS = ["tantivy", "tantivy-ram", "whoosh", "whoosh-ram", "postgres"]


@pytest.fixture(scope="session")
def postgres_search_url(tmp_path_factory):
    """A migrated scratch PostgreSQL database for the postgres backend."""
    yield from postgres_database(tmp_path_factory)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    """An empty backend of each kind."""
    from forum.search.backends import make_backend

    if request.param != "postgres":
        yield make_backend(request.param, tmp_path / "index")
        return
    from forum.search.backends.postgres import PostgresIndex

    engine = create_engine(request.getfixturevalue("postgres_search_url"))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM search_documents"))
        connection.execute(text("DELETE FROM search_words"))
    yield PostgresIndex(engine)
    engine.dispose()
