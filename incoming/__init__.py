"""The neutral ground between the parsers and the archive.

`importers` may not import `forum` (parsers are pure) and `forum` may not
import `importers` (the archive does not depend on any one format), yet both
must agree on what a message is and on a few facts about sources.  Those
agreements live here, in plain Python with no third-party imports.
"""
