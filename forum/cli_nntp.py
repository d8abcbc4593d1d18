"""The `nntp` commands: the archive's groups served to newsreaders."""

from __future__ import annotations

from flask.cli import AppGroup

nntp_cli = AppGroup("nntp", help="The archive as a read-only news server.")
