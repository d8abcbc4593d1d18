"""The day filter of the audit log and the review queue: whole days, both ends."""

from datetime import date, datetime

from sqlalchemy import create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from forum.services.day_range import within_days


class _Base(DeclarativeBase):
    pass


class _Event(_Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]


MOMENTS = [datetime(2000, 3, 2, 23, 59, 59), datetime(2000, 3, 3, 0, 0),
           datetime(2000, 3, 5, 23, 59, 59), datetime(2000, 3, 6, 0, 0)]


def _kept(since, until):
    engine = create_engine("sqlite://")
    _Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(_Event(at=moment) for moment in MOMENTS)
        session.flush()
        query = select(_Event.at).where(*within_days(_Event.at, since, until))
        return sorted(session.scalars(query))


def test_the_last_day_counts_to_its_last_second():
    assert _kept(date(2000, 3, 3), date(2000, 3, 5)) == MOMENTS[1:3]


def test_either_end_may_be_open():
    assert _kept(None, date(2000, 3, 5)) == MOMENTS[:3]
    assert _kept(date(2000, 3, 3), None) == MOMENTS[1:]
    assert _kept(None, None) == MOMENTS
