"""Recorded service answers for the lookup and matching tests, served in-process.

No test touches the network: `RecordedTransport` answers each request with a
file from tests/data/lookup/ (their origins are in its SOURCES.md), and
`FakeClock` lets rate limits be checked without waiting.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from forum.citations.clients import HttpStatusError

DATA = Path(__file__).resolve().parents[1] / "data" / "lookup"


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


class RecordedTransport:
    """Serves one recorded answer per URL part; remembers what was asked."""

    def __init__(self, answers: dict[str, tuple[int, str]]):
        self.answers = answers
        self.asked: list[tuple[str, dict]] = []

    def __call__(self, url: str, headers) -> bytes:
        self.asked.append((url, dict(headers)))
        for part, (status, name) in self.answers.items():
            if part in url:
                if status != 200:
                    raise HttpStatusError(url, status)
                return recorded(name)
        raise AssertionError(f"no recorded answer for {url}")

    def query(self, index: int = -1) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.asked[index][0]).query)


class FakeClock:
    """Time that moves only when a rate limiter sleeps (never for nothing)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds
