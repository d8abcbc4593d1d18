"""A read-only news server (RFC 3977) over the archive.

`server` owns sockets, threads, line limits and timeouts; `commands` turns
one command line into one reply; `syntax` parses ranges, wildmats and dates.
What an article is, and which posts exist, is decided by
`forum.services.nntp_articles`, the same rules the pages and the mbox
export follow.
"""
