"""Configuration: defaults, then FORUM_* / DATABASE_URL environment, then a mapping.

Nothing reads the configuration at import time; `create_app` resolves it once.
"""

from __future__ import annotations

import os
from pathlib import Path


def default_config(data_dir: Path) -> dict:
    """Defaults for an embedded, single-machine archive under `data_dir`."""
    return {
        # Empty: create_app makes a random key and keeps it in the data folder.
        "SECRET_KEY": "",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,  # FORUM_SECURE_COOKIES=1 behind HTTPS
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        # Reader flags: at most this many per client an hour; this many pending
        # flags hide a post until a moderator reviews it (0: never).
        "FORUM_FLAGS_PER_HOUR": 5,
        "FORUM_FLAG_HIDE_THRESHOLD": 3,
        # Metadata lookups (NCBI, Crossref) are off unless switched on.
        "FORUM_CITATION_LOOKUP": False,
        "FORUM_DATA_DIR": str(data_dir),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'forum.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "FORUM_SITE_NAME": "Discussion Archive",
        "FORUM_PAGE_SIZE": 50,
        # Posts on one page of a thread (a long thread is cut where subtrees end).
        "FORUM_THREAD_PAGE_SIZE": 50,
        "FORUM_HONOUR_NO_ARCHIVE": True,
        # "auto" (postgres on PostgreSQL, else tantivy in FORUM_SEARCH_DIR),
        # "tantivy", "whoosh", "postgres", "null"; "-ram" variants for tests.
        "FORUM_SEARCH_BACKEND": "auto",
        "FORUM_SEARCH_DIR": str(data_dir / "index"),
        "JSON_SORT_KEYS": False,
    }


def environment_config() -> dict:
    """Settings taken from the environment: FORUM_* names and DATABASE_URL."""
    config: dict = {}
    for key, value in os.environ.items():
        if key.startswith("FORUM_"):
            config[key] = value
    if os.environ.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
            os.environ["DATABASE_URL"]
        )
    if os.environ.get("FORUM_SECURE_COOKIES", "") not in ("", "0", "false"):
        config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = True
    if os.environ.get("SECRET_KEY"):
        config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    return config


def normalise_database_url(url: str) -> str:
    """Let people write postgres:// or postgresql:// and still get psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
