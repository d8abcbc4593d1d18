"""Accounts: creating moderators and admins, signing in with a rate limit.

Passwords are hashed with scrypt (Werkzeug's default: memory-hard, salted).
Sign-in is limited per client address and per account name over a sliding
window, counted in the database so every server process sees the same count.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from forum.errors import ForumError
from forum.extensions import DbSession
from forum.models import LoginAttempt, User
from forum.models.accounts import ROLES
from forum.services.audit import record, utcnow

logger = logging.getLogger(__name__)
MIN_PASSWORD = 10
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_CLIENT = 10
MAX_FAILURES_PER_NAME = 5
# Werkzeug's scrypt (N=32768, r=8, p=1); the test suite lowers N for speed.
PASSWORD_METHOD = "scrypt"
# Compared against when the name is unknown, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ForumError):
    """A user cannot be created or changed as asked."""


class BadCredentials(ForumError):
    """Wrong name or password (which one is not said)."""


class LoginThrottled(ForumError):
    """Too many failed sign-ins from this client or for this name."""


def create_user(session: DbSession, name: str, password: str, role: str,
                actor: User | None = None) -> User:
    """A new moderator or admin; `actor` None when an operator uses the CLI."""
    name = name.strip()
    if not name or len(name) > 64 or not name.isprintable():
        raise AccountError("A user name is 1-64 printable characters.")
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"A password needs at least {MIN_PASSWORD} characters.")
    if session.scalar(select(User.id).where(func.lower(User.name) == name.lower())):
        raise AccountError(f"There is already a user called {name!r}.")
    user = User(name=name, role=role,
                password_hash=generate_password_hash(password, PASSWORD_METHOD),
                session_token=secrets.token_urlsafe(32), is_active=True,
                created_at=utcnow())
    session.add(user)
    session.flush()
    record(session, actor, "user.create", target_type="user", target_id=user.id,
           after={"name": name, "role": role})
    return user


def authenticate(session: DbSession, name: str, password: str, client: str) -> User:
    """The user these credentials name; raises LoginThrottled or BadCredentials.

    The attempt is recorded either way (the caller commits).
    """
    name = name.strip()[:64]
    client = client[:64]
    _check_throttle(session, name, client)
    user = session.scalar(select(User).where(func.lower(User.name) == name.lower()))
    good = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    ok = user is not None and good and user.is_active
    session.add(LoginAttempt(client=client, name=name.lower(), at=utcnow(),
                             succeeded=ok))
    if user is None or not ok:
        logger.info("failed sign-in for %r from %s", name, client)
        raise BadCredentials("Wrong user name or password.")
    user.last_login_at = utcnow()
    return user


def _check_throttle(session: DbSession, name: str, client: str) -> None:
    since = utcnow() - WINDOW
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < since - WINDOW))
    failures = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
    by_client = session.scalar(failures.where(LoginAttempt.client == client)) or 0
    by_name = session.scalar(failures.where(LoginAttempt.name == name.lower())) or 0
    if by_client >= MAX_FAILURES_PER_CLIENT or by_name >= MAX_FAILURES_PER_NAME:
        raise LoginThrottled(
            "Too many failed sign-ins. Wait 15 minutes and try again.")


def set_password(session: DbSession, user: User, password: str,
                 actor: User | None = None) -> None:
    """A new password, which also signs out every existing session."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"A password needs at least {MIN_PASSWORD} characters.")
    user.password_hash = generate_password_hash(password, PASSWORD_METHOD)
    user.session_token = secrets.token_urlsafe(32)
    record(session, actor, "user.password", target_type="user", target_id=user.id)


def user_by_token(session: DbSession, token: str) -> User | None:
    """The active user a session cookie names, if any."""
    if not token:
        return None
    return session.scalar(
        select(User).where(User.session_token == token, User.is_active.is_(True)))
