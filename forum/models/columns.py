"""The column declarations most tables share, each spelt once.

SQLAlchemy 2.0 reads a PEP 593 `Annotated` type in `Mapped[...]` as the
`mapped_column()` it carries, so `id: Mapped[intpk]` declares exactly what
`id: Mapped[int] = mapped_column(primary_key=True)` did.  What varies stays at
the use: `Mapped[user_fk | None]` makes the column nullable, and a
`mapped_column()` on the right adds to it (`= mapped_column(index=True)`).
Each use gets its own copy of the column, constraints included, so the schema
(names, types, order, constraints) is what the long form gave: the
migrations in `migrations/versions/` still describe it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from sqlalchemy import DateTime, ForeignKey
from sqlalchemy.orm import mapped_column

# The table's own integer key.
intpk = Annotated[int, mapped_column(primary_key=True)]
# A post, or an account: what most rows are about, and who did it.
post_fk = Annotated[int, mapped_column(ForeignKey("posts.id"))]
user_fk = Annotated[int, mapped_column(ForeignKey("users.id"))]
# A moment, stored without a time zone.
timestamp = Annotated[datetime, mapped_column(DateTime)]
