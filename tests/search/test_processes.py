"""Search kept right by several processes at once, with real processes.

An import killed with SIGKILL, an import running while two moderators hide,
redact and label, and two "machines" (two servers with data folders of their
own) on one PostgreSQL database.  Every process is a real `flask`, gunicorn
or actor (tests/search/actor.py) process; none of them may fail, and the
index must end with no drift.
"""

from __future__ import annotations

import json
import os
import signal
import time
from urllib.parse import quote_plus
from urllib.request import urlopen

import pytest

from tests.helpers import corpus
from tests.processes import (
    actor_log,
    app_env,
    count_rows,
    flask,
    gunicorn,
    scratch_database,
    start_actor,
    start_flask,
)

pytestmark = pytest.mark.corpus
GROUPS = ("sci.med", "sci.electronics", "rec.autos")
SETUPS = [("sqlite", "tantivy"), ("sqlite", "whoosh"), ("postgresql", "postgres")]


def tarballs(*groups: str) -> list[str]:
    folder = corpus("usenet-20news", "groups")
    return [str(folder / f"{group}.tar.xz") for group in groups]


@pytest.fixture(params=SETUPS, ids=["-".join(s) for s in SETUPS])
def archive(request, tmp_path):
    """A migrated, empty archive shared by processes: (env, database url)."""
    database, backend = request.param
    with scratch_database(database, tmp_path) as url:
        env = app_env(tmp_path / "data", url, FORUM_SEARCH_BACKEND=backend)
        flask(env, "db", "upgrade")
        yield env, url


def verify_clean(env: dict) -> str:
    """`search verify` exits 0 and reports no drift and nothing queued."""
    out = flask(env, "search", "verify").stdout
    assert out.startswith("missing 0, stale 0, extra 0, queued 0"), out
    return out


def search_json(env_or_url, query: str) -> dict:
    """Every hit, through the JSON API of a server or the `search query` command."""
    if isinstance(env_or_url, str):
        results, page, pages = [], 1, 1
        while page <= pages:
            with urlopen(f"{env_or_url}/api/v1/search?q={quote_plus(query)}"
                         f"&page={page}") as answer:
                found = json.load(answer)
            results += found["results"]
            page, pages = page + 1, found["pages"]
        return {"total": found["total"], "results": results}
    out = flask(env_or_url, "search", "query", query, "--json", "--limit", "1000",
                check=False)
    assert out.returncode in (0, 1), out.stderr
    return {"results": [json.loads(line) for line in out.stdout.splitlines()]}


def test_an_import_killed_with_sigkill_leaves_nothing_unsearchable(archive):
    env, url = archive
    sources = tarballs(*GROUPS)
    first = start_flask(env, "import", *sources, "--batch-size", "100")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and first.poll() is None:
        if _posts(url) >= 600:
            break
        time.sleep(0.05)
    if first.poll() is not None:
        out, err = first.communicate()
        raise AssertionError(f"the import ended before it could be killed:\n{err}")
    os.kill(first.pid, signal.SIGKILL)
    first.communicate()
    stored = _posts(url)
    assert 0 < stored < 3000
    flask(env, "import", *sources, "--batch-size", "100")
    assert _posts(url) > stored
    verify_clean(env)


def _posts(url: str) -> int:
    try:
        return count_rows(url, "posts")
    except Exception:  # noqa: BLE001 - the table may be locked for a moment
        return 0


def test_moderators_act_while_an_import_runs(archive):
    """Two moderators hide, redact and label while an import runs."""
    env, _url = archive
    flask(env, "import", *tarballs("sci.med"))
    importing = start_flask(env, "import", *tarballs(*GROUPS[1:]),
                            "--batch-size", "100")
    hider = start_actor(env, "hider", "24", "7")
    labeller = start_actor(env, "labeller", "24", "8")
    actions = actor_log(hider) + actor_log(labeller)
    out, err = importing.communicate(timeout=600)
    assert importing.returncode == 0, err[-4000:]
    assert len(actions) >= 40
    verify_clean(env)
    _every_change_is_searchable(env, actions)


def _every_change_is_searchable(env, actions: list[dict]) -> None:
    labelled = {a["post"] for a in actions if a["action"] == "label"}
    hidden = {a["post"] for a in actions if a["action"] == "hide"}
    assert _ids_of(env, "label:unsupported") == labelled - hidden
    for action in actions:
        if action["action"] == "redact":
            assert action["post"] not in _ids_of(env, f'"{action["text"]}"')


def _ids_of(env_or_url, query: str) -> set[int]:
    return {hit["id"] for hit in search_json(env_or_url, query)["results"]}


def test_two_machines_share_one_postgresql_database(tmp_path):
    """A post imported on one machine is found on the other; hidden and
    redacted there, it is gone from search here at once."""
    with scratch_database("postgresql", tmp_path) as url:
        one = app_env(tmp_path / "one", url)
        two = app_env(tmp_path / "two", url)
        flask(one, "db", "upgrade")
        spool = corpus("usenet-20news", "spool", "sci.med")
        flask(one, "import", str(spool))
        with gunicorn(one, workers=1) as first, gunicorn(two, workers=1) as second:
            phrase = '"kidney stones"'
            before = _ids_of(second, phrase)
            assert len(before) > 2
            victim, other = sorted(before)[:2]
            actor_log(start_actor(one, "hide", str(victim)))
            assert _ids_of(second, phrase) == before - {victim}
            actor_log(start_actor(one, "redact", str(other), _spelling(url, other)))
            assert _ids_of(second, phrase) == before - {victim, other}
            assert _ids_of(first, phrase) == before - {victim, other}
            assert other in _ids_of(second, "s:" + _subject_word(url, other))


def _spelling(url: str, post_id: int) -> str:
    """The phrase as the post writes it ("Kidney stones", "kidney  stones")."""
    import re

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        body = conn.scalar(text("SELECT body_text FROM posts WHERE id = :i"),
                           {"i": post_id})
    engine.dispose()
    return re.search(r"(?i)kidney\s+stones", body).group(0)


def _subject_word(url: str, post_id: int) -> str:
    """The longest word of the post's subject, which the redaction left alone."""
    import re

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        subject = conn.scalar(text("SELECT subject FROM posts WHERE id = :i"),
                              {"i": post_id})
    engine.dispose()
    return max(re.findall(r"[A-Za-z]{4,}", subject), key=len)
