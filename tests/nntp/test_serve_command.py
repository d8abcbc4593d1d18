"""`flask nntp serve` in a process of its own, as an operator starts it."""

from __future__ import annotations

import pytest

from tests.nntp.conftest import nntplib_module
from tests.processes import app_env, start_flask

pytestmark = pytest.mark.search_backend("null")


def test_the_command_serves_the_archive_until_stopped(sample, database_url,
                                                       tmp_path):
    env = app_env(tmp_path / "data", database_url, FORUM_SEARCH_BACKEND="null")
    proc = start_flask(env, "nntp", "serve", "--port", "0", "--idle-timeout", "30")
    try:
        said = ""
        while "serving on" not in said:
            line = proc.stderr.readline()
            assert line, f"the server exited: {said}{proc.stderr.read()}"
            said += line
        host, port = said.split("serving on ")[1].split()[0].rsplit(":", 1)
        client = nntplib_module().NNTP(host, int(port), timeout=30)
        assert client.getwelcome().startswith("201 ")
        assert client.group("comp.lang.misc")[1] == 5
        client.quit()
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    assert proc.returncode is not None
