"""gunicorn's settings for the archive, read from the folder it starts in.

Threaded workers (gthread): a sync worker that spends longer than `timeout`
on one request is killed as hung, and an mbox download of a 100,000-post
group streams for longer than that (bench/mbox_stream.py); a threaded
worker keeps answering the arbiter while a thread streams, and a slow
reader on a phone holds one thread rather than the whole worker.
`-w`/`--threads` on the command line still override these.
"""

worker_class = "gthread"
threads = 4
