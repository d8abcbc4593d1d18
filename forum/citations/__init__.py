"""Research citations: identifiers and where posts mention them.

Pure standard-library code (no Flask, no database) so importers, services and
scripts can all use it; `identifiers` normalises what a moderator pastes, `scan`
reports the citations written in a post's text.
"""
