"""Format parsers (files in, IncomingMessage / ImportProblem out) and the runner.

Parsers are pure: no database and no Flask.  Start at `importers.detect.iter_source`.
"""
