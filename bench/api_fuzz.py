"""The JSON API fuzzed for longer: schemathesis's CLI against a real server.

    .venv/bin/python bench/api_fuzz.py                         # 500 examples, SQLite
    .venv/bin/python bench/api_fuzz.py --examples 2000 --database postgresql
    make fuzz-api                                              # this and the test

1. A fresh database (SQLite in a temporary folder, or a scratch PostgreSQL
   database, dropped afterwards), `flask db upgrade`, then the archive the CI
   test fuzzes (tests/web/test_api_fuzz.py: the sample archive and the 2000
   thread, with labels, citations, a hidden, a redacted and a purged post),
   seeded in a child process.
2. gunicorn -w 2 on a free loopback port.
3. `schemathesis run` on /api/v1/openapi.json: every phase (examples,
   coverage, fuzzing, stateful), valid and invalid data, the CI test's checks,
   --examples per operation and a fixed seed.
Prints schemathesis's own summary (operations, test cases generated,
failures) and exits with its status: 0 when nothing failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402 - bench scripts run as files
    BIN,
    REPO,
    app_session,
    clean_env,
    database,
    gunicorn,
    load,
    run_flask,
)

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance,"
          "negative_data_rejection")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500,
                        help="examples per operation and phase (default 500)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"],
                        default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seed-archive", action="store_true",
                        help=argparse.SUPPRESS)  # the child that seeds
    args = parser.parse_args()
    if args.seed_archive:
        return seed()
    print(f"load average at start: {load()}")
    with tempfile.TemporaryDirectory(prefix="forum-api-fuzz-") as tmp, \
            database(args.database, Path(tmp)) as url:
        env = clean_env(Path(tmp), DATABASE_URL=url)
        run_flask(env, "db", "upgrade")
        subprocess.run([sys.executable, __file__, "--seed-archive"], env=env,
                       cwd=REPO, check=True)
        with gunicorn(env, 2, Path(tmp) / "gunicorn.log") as (port, _):
            return subprocess.run([
                str(BIN / "schemathesis"), "run",
                f"http://127.0.0.1:{port}/api/v1/openapi.json",
                "--checks", CHECKS, "--max-examples", str(args.examples),
                "--seed", str(args.seed), "--workers", "2", "--no-color",
            ], cwd=tmp).returncode


def seed() -> int:
    with app_session():
        from tests.web.test_api_fuzz import seed_archive

        values = seed_archive()
    print(f"seeded: {len(values['thread_id'])} threads, "
          f"{len(values['permalink'])} posts, {len(values['name'])} groups")
    return 0


if __name__ == "__main__":
    sys.exit(main())
