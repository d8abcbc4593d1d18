"""Moderator and admin accounts, and the login attempts that rate-limit them.

Readers have no account.  A user's `session_token` is what the session cookie
names (not the row id), so changing a password or deactivating an account
ends every session signed in with the old token.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import Model
from forum.models.columns import intpk, timestamp

ROLES = ("moderator", "admin")


class User(Model):
    __tablename__ = "users"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    session_token: Mapped[str] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[timestamp]
    last_login_at: Mapped[timestamp | None]

    # Flask-Login's user protocol.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class LoginAttempt(Model):
    """One try at signing in: counted per client and per account name."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_client_at", "client", "at"),
        Index("ix_login_attempts_name_at", "name", "at"),
    )

    id: Mapped[intpk]
    client: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    at: Mapped[timestamp]
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
