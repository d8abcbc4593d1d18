"""Fixtures for evidence work: the taxonomy, accounts, the seed thread, sign-in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from forum.services.accounts import create_user
from forum.services.evidence import seed_label_kinds

REPO = Path(__file__).resolve().parents[2]
SEED_THREAD = REPO / "samples" / "usenet-2000-magnesium-fibromyalgia-thread.txt"
PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """scrypt with a small work factor: the suite signs in hundreds of times.

    test_accounts checks that real accounts get the full-strength default.
    """
    from forum.services import accounts

    monkeypatch.setattr(accounts, "PASSWORD_METHOD", "scrypt:1024:8:1")


@pytest.fixture
def taxonomy(app):
    seed_label_kinds(db.session)
    db.session.commit()


@pytest.fixture
def moderator(app):
    user = create_user(db.session, "mara", PASSWORD, "moderator")
    db.session.commit()
    return user


@pytest.fixture
def admin(app):
    user = create_user(db.session, "ada", PASSWORD, "admin")
    db.session.commit()
    return user


@pytest.fixture
def seed_post(app, import_sources, taxonomy) -> Post:
    """The 2000 thread's first post, imported as an operator would."""
    import_sources(SEED_THREAD, fmt="google-groups",
                   group="alt.support.fibromyalgia")
    return db.session.scalar(select(Post).where(Post.is_ghost.is_(False))
                             .order_by(Post.date, Post.id).limit(1))


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token a form on `path` carries (for this client's session)."""
    found = _TOKEN.search(client.get(path).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


class Auth:
    def __init__(self, client) -> None:
        self.client = client

    def login(self, name: str, password: str = PASSWORD):
        return self.client.post("/login", data={
            "name": name, "password": password, "csrf_token": csrf_token(self.client)})

    def logout(self):
        return self.client.post("/logout", data={
            "csrf_token": csrf_token(self.client, "/mod/")})

    def post(self, path: str, data: dict, token_from: str = "/mod/"):
        return self.client.post(path, data={
            **data, "csrf_token": csrf_token(self.client, token_from)})


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)
