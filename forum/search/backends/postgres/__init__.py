"""Search inside PostgreSQL: the default when the archive's database is PostgreSQL.

The index is a table of the database (`search_documents`), so any number of
web machines share it and a moderator's change rewrites the post's entry in
the same transaction as the change (imports go through the outbox and an
indexer process beside them, forum.search.bulk).  Each post is one `tsvector`
of the words the query parser makes, each field's words lexemes of their own
and exact filters lexemes too, so one GIN index scan answers a whole query
but for date ranges.

The tsvector index is GIN (migration 0011): with its pending list an insert
costs ~0.17 ms, where RUM's costs 3.5 ms and held an import to ~280 posts a
second.  GIN cannot rank inside the index, so a page in relevance order ranks
the newest RANK_WINDOW matches.  `search optimize --rum` moves a read-mostly
archive to RUM (Debian's postgresql-15-rum), which keeps positions and ranks
inside the index; the backend sees which kind it has and ranks accordingly.

The modules, lowest first: `schema` (tables and the index's kind), `lexemes`
(a document as a row), `compiler` (a query tree as SQL), `pages` (a page,
its total and facets), `vocabulary` (the word list for "did you mean"),
`writer` and `index` (the backend).
"""

from forum.search.backends.postgres.compiler import Compiled, compile_query
from forum.search.backends.postgres.index import PostgresIndex
from forum.search.backends.postgres.lexemes import document_row, tsvector_text
from forum.search.backends.postgres.pages import RANK_WINDOW, total_and_facets
from forum.search.backends.postgres.schema import (
    RUM_INDEX,
    documents,
    metadata,
    rum_available,
    words_table,
)
from forum.search.backends.postgres.writer import PostgresWriter

__all__ = ["RANK_WINDOW", "RUM_INDEX", "Compiled", "PostgresIndex", "PostgresWriter",
           "compile_query", "document_row", "documents", "metadata", "rum_available",
           "total_and_facets", "tsvector_text", "words_table"]
