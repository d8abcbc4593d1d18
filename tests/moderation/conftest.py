"""The evidence suite's fixtures: accounts, taxonomy, the seed thread, sign-in."""

from tests.evidence.conftest import (  # noqa: F401 - fixtures, found by name
    admin,
    auth,
    moderator,
    quick_password_hashing,
    seed_post,
    taxonomy,
)
