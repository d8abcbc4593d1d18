"""Named permissions ("scope:resource:action") and what each role holds.

Views and services ask for a permission, never for a role, so a new role is
one line here.  Readers (no account) hold none of these.
"""

from __future__ import annotations

from forum.errors import ForumError

LABEL_WRITE = "evidence:label:write"
CITATION_WRITE = "evidence:citation:write"
AUDIT_READ = "audit:log:read"
MOD_VIEW = "moderation:pages:read"
TAXONOMY_WRITE = "admin:taxonomy:write"
POST_HIDE = "moderation:post:hide"
FLAG_RESOLVE = "moderation:flag:resolve"
POST_REDACT = "moderation:post:redact"
AUTHOR_TAKEDOWN = "moderation:author:takedown"
POST_PURGE = "admin:post:purge"
ORIGINAL_READ = "admin:original:read"
THREAD_EDIT = "moderation:thread:edit"

MODERATOR = frozenset({LABEL_WRITE, CITATION_WRITE, AUDIT_READ, MOD_VIEW, POST_HIDE,
                       FLAG_RESOLVE, POST_REDACT, AUTHOR_TAKEDOWN, THREAD_EDIT})
ROLE_PERMISSIONS = {
    "moderator": MODERATOR,
    "admin": MODERATOR | {TAXONOMY_WRITE, POST_PURGE, ORIGINAL_READ},
}


class PermissionDenied(ForumError):
    """The acting user may not do this."""

    status = 403


def has_permission(user, permission: str) -> bool:
    """Whether `user` (a User, or None / anonymous for a reader) may do this."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", False):
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def require(user, permission: str) -> None:
    """Raise PermissionDenied unless `user` holds `permission`."""
    if not has_permission(user, permission):
        raise PermissionDenied("You are not allowed to do that.")
