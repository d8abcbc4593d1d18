"""The `nntp` commands: the archive's groups served to newsreaders."""

from __future__ import annotations

import logging
import sys

import click
from flask.cli import AppGroup

from forum.extensions import db

nntp_cli = AppGroup("nntp", help="The archive as a read-only news server.")


@nntp_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on.")
@click.option("--port", default=1119, show_default=True, type=int,
              help="Port to listen on (0: any free port, printed).")
@click.option("--idle-timeout", default=600.0, show_default=True, type=float,
              help="Seconds a silent connection is kept open.")
@click.option("--max-connections", default=64, show_default=True, type=int,
              help="Connections served at once; more are told to come back.")
@click.option("--warm/--no-warm", default=True, show_default=True,
              help="Render each group's newest overviews in the background "
              "at start.")
def serve_command(host: str, port: int, idle_timeout: float,
                  max_connections: int, warm: bool) -> None:
    """Serve the archive's groups read-only over NNTP (RFC 3977) until stopped."""
    from forum.nntp.server import make_server

    # A long-running server: its connection and warm-up lines go to stderr.
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(message)s")
    server = make_server(db.engine, host, port, idle_timeout, max_connections, warm)
    bound_host, bound_port = server.server_address[:2]
    if isinstance(bound_host, bytes):  # only for AF_UNIX, which is never used here
        bound_host = bound_host.decode()
    click.echo(f"nntp: serving on {bound_host}:{bound_port} (read-only)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
