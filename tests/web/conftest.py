"""Fixtures for the read side: a row factory and a small sample archive."""

from __future__ import annotations

import pytest

from forum.extensions import db
from tests.web.factories import ArchiveFactory, Sample, build_sample


@pytest.fixture
def create(app) -> ArchiveFactory:
    return ArchiveFactory(db.session)


@pytest.fixture
def sample(app, create: ArchiveFactory) -> Sample:
    return build_sample(create)
