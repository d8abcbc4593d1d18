"""The Whoosh backend: the only package that imports whoosh.

The engine named in the project's brief, kept as a supported backend
(`FORUM_SEARCH_BACKEND=whoosh`); tantivy is faster at every size we measured.
One searcher is kept open per process and refreshed when the index changed
(opening one per query is what makes HyperKitty's search slow).  One writer
at a time across processes (`WriterLock`); an import indexes in a child
process beside it (`BulkIndexer`).

The modules, lowest first: `schema` (fields, analyzer, opening an index),
`compiler` (a query tree as Whoosh queries), `sets` (totals and facets by set
algebra), `window` (changes gathered until a commit), `indexer` (the bulk
child process), `lock` and `index` (the backend).

An index's schema names FoldedWords and CaseFoldFilter by this package's
path, so they stay importable from here.
"""

from forum.search.backends.whoosh.compiler import compile_query
from forum.search.backends.whoosh.index import WhooshIndex
from forum.search.backends.whoosh.indexer import BulkIndexer
from forum.search.backends.whoosh.lock import WriterLock
from forum.search.backends.whoosh.schema import (
    ANALYZER,
    CaseFoldFilter,
    FoldedWords,
    make_schema,
)

__all__ = ["ANALYZER", "BulkIndexer", "CaseFoldFilter", "FoldedWords", "WhooshIndex",
           "WriterLock", "compile_query", "make_schema"]
