"""Accounts: creating users, signing in and out, rate limits, cookies."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, User
from forum.services.accounts import AccountError, create_user
from tests.evidence.conftest import PASSWORD, csrf_token

# Search in memory: these tests import small archives many times over.
pytestmark = pytest.mark.search_backend("whoosh-ram")


@pytest.mark.parametrize(("name", "password", "role", "message"), [
    ("", PASSWORD, "moderator", "1-64 printable"),
    ("x" * 65, PASSWORD, "moderator", "1-64 printable"),
    ("mara", "short", "moderator", "at least 10"),
    ("mara", PASSWORD, "owner", "role must be one of"),
])
def test_create_user_refuses_bad_input(app, name, password, role, message):
    with pytest.raises(AccountError, match=message):
        create_user(db.session, name, password, role)


def test_passwords_are_hashed_with_scrypt_and_names_are_unique(app, moderator):
    from forum.services import accounts

    assert accounts.PASSWORD_METHOD == "scrypt:1024:8:1"  # this suite's setting
    assert accounts._DUMMY_HASH.startswith("scrypt:32768:8:1$")  # the default
    stored = db.session.scalar(select(User).where(User.name == "mara"))
    assert stored.password_hash.startswith("scrypt:")
    assert PASSWORD not in stored.password_hash
    with pytest.raises(AccountError, match="already a user"):
        create_user(db.session, "MARA", PASSWORD, "admin")


def test_cli_creates_a_user_from_stdin_and_audits_it(app, runner):
    result = runner.invoke(args=["users", "create", "ada", "--role", "admin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "created admin 'ada'" in result.output
    user = db.session.scalar(select(User).where(User.name == "ada"))
    assert user.role == "admin"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action ==
                                                      "user.create"))
    assert entry.actor_name == "system" and entry.after == {"name": "ada",
                                                          "role": "admin"}
    again = runner.invoke(args=["users", "create", "ada"], input=PASSWORD + "\n")
    assert again.exit_code != 0 and "already a user" in again.output


def test_login_and_logout(app, client, auth, moderator):
    assert client.get("/mod/").status_code == 302
    response = auth.login("mara")
    assert response.status_code == 302 and response.location.endswith("/mod/")
    assert client.get("/mod/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/mod/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(app, client, auth,
                                                            moderator):
    wrong = auth.login("mara", "not the password")
    unknown = auth.login("nobody", "not the password")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "Wrong user name or password" in response.get_data(as_text=True)


def test_logins_are_rate_limited_per_name(app, client, auth, moderator):
    for _ in range(5):
        assert auth.login("mara", "guess guess guess").status_code == 401
    blocked = auth.login("mara")  # even the right password waits now
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.get_data(as_text=True)
    assert client.get("/mod/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(app, client, auth, moderator):
    response = auth.login("mara")
    cookie = next(h for h in response.headers.getlist("Set-Cookie")
                  if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_never_redirects_off_site(app, client, moderator):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/login", data={
            "name": "mara", "password": PASSWORD, "next": target,
            "csrf_token": csrf_token(client)})
        assert response.status_code == 302
        assert response.location.endswith("/mod/"), target
        client.post("/logout", data={"csrf_token": csrf_token(client, "/mod/")})


def test_login_without_csrf_token_is_refused(app, client, moderator):
    response = client.post("/login", data={"name": "mara", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/mod/").status_code == 302


def test_a_password_change_ends_existing_sessions(app, client, auth, moderator):
    from forum.services.accounts import set_password

    auth.login("mara")
    assert client.get("/mod/").status_code == 200
    set_password(db.session, moderator, "another long password")
    db.session.commit()
    g.pop("_login_user", None)  # the test's app context outlives each request
    assert client.get("/mod/").status_code == 302
