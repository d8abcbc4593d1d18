"""The account of an import run: every message read, and what became of it.

`ImportReport` is what `import --json` prints.  `Tally` counts into it as the
runner reads and stores messages, and holds the problems and repair notes met
since the last commit until that batch's commit writes them down (`take`).
The report always balances: read = imported + duplicates + quarantined + skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from importers.base import ImportProblem, IncomingMessage, excerpt_of

# The counts the run record keeps, written with each batch's commit.
COUNTS = ("read", "imported", "duplicates", "quarantined", "skipped", "repaired",
          "threads", "seconds")


@dataclass
class ImportReport:
    """The final account of a run, as printed by `import --json`."""

    run_id: int | None = None
    read: int = 0
    imported: int = 0
    duplicates: int = 0
    quarantined: int = 0
    skipped: int = 0
    repaired: int = 0
    threads: int = 0
    seconds: float = 0.0
    failed_sources: int = 0
    truncated: int = 0
    problems: list[dict] = field(default_factory=list)

    def balanced(self) -> bool:
        return self.read == (
            self.imported + self.duplicates + self.quarantined + self.skipped
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data

    def counts(self) -> dict[str, Any]:
        """The counts the run record keeps (`COUNTS`), by name."""
        return {name: getattr(self, name) for name in COUNTS}


class Note(NamedTuple):
    """Something to record against a stored post: "repaired" (what was) or
    "truncated" (the copy may be cut off), as `imports show` lists them."""

    kind: str
    source: str
    position: str
    post_id: int
    reason: str


class Tally:
    """Counts a run's messages into its report as they are read and stored.

    What was met since the last commit waits here: problems and notes until
    `take` hands them to be written, the posts stored (`new_ids`, with their
    text work in `prepared`) until `committed`.  A run that fails goes `back`
    to the counts of its last commit: the rest is read again next time.
    """

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.problems: list[ImportProblem] = []
        self.notes: list[Note] = []
        self.new_ids: set[int] = set()
        # Each new post's text work (forum.services.analysis.Prepared).
        self.prepared: dict[int, Any] = {}
        self._committed = self._snapshot()

    def problem(self, problem: ImportProblem) -> None:
        """A message read but not stored: skipped for a reason, else quarantined."""
        if problem.kind == "skipped":
            self.report.skipped += 1
        else:
            problem.kind = "quarantined"
            self.report.quarantined += 1
        self.problems.append(problem)

    def unstorable(self, msg: IncomingMessage, exc: Exception) -> None:
        """A message the archive refused even alone: quarantined with the reason."""
        self.problem(ImportProblem(
            source=msg.source, position=msg.position,
            reason=f"could not be stored: {type(exc).__name__}: {exc}"[:2000],
            excerpt=excerpt_of(msg.raw or msg.body_text or b""),
        ))

    def failed_source(self, problem: ImportProblem) -> None:
        """A source (or a news group) that could not be read, or read further.

        It is not counted in `read`: no message was read from what failed."""
        self.report.failed_sources += 1
        self.problems.append(problem)

    def source_error(self, source: str, exc: Exception) -> None:
        self.failed_source(ImportProblem(
            source=source, position="source", reason=f"cannot read: {exc}",
            kind="error",
        ))

    def count(self, batch: Sequence[IncomingMessage], results: Iterable[Any]) -> None:
        """What the archive did with each message of a stored batch."""
        for msg, result in zip(batch, results, strict=True):
            if result.status == "imported":
                self.report.imported += 1
                self.new_ids.add(result.post_id)
                if msg.prepared is not None:
                    self.prepared[result.post_id] = msg.prepared
                self._note_repairs(msg, result.post_id, result.reason)
            elif result.status == "duplicate":
                self.report.duplicates += 1
            else:
                self.problem(ImportProblem(
                    source=msg.source, position=msg.position, reason=result.reason,
                    kind="skipped",
                ))

    def _note_repairs(self, msg: IncomingMessage, post_id: int, healed: str) -> None:
        """List what was repaired in a stored message, and a copy that may be cut
        off, with the post they concern (`imports show`, /imports/<id>/)."""
        notes = [*msg.repairs, *([msg.date_note] if msg.date_note else [])]
        if healed:
            notes.append(healed)
        if notes:
            self.report.repaired += 1
            self._note("repaired", msg, post_id, "; ".join(notes))
        if msg.truncated:
            self.report.truncated += 1
            self._note("truncated", msg, post_id, msg.truncated)

    def _note(self, kind: str, msg: IncomingMessage, post_id: int, reason: str) -> None:
        self.notes.append(Note(kind, msg.source, msg.position, post_id, reason))

    def take(self) -> tuple[list[ImportProblem], list[Note]]:
        """The problems and notes waiting to be written; the problems join the
        report's list."""
        problems, notes = self.problems, self.notes
        self.report.problems.extend({
            "kind": problem.kind, "source": problem.source,
            "position": problem.position, "reason": problem.reason,
        } for problem in problems)
        self.problems, self.notes = [], []
        return problems, notes

    def committed(self) -> None:
        """The batch is committed: its counts are the ones a failure goes back to."""
        self._committed = self._snapshot()
        self.new_ids, self.prepared = set(), {}

    def back(self) -> None:
        """Only what was committed counts: the failed batch's messages, problems
        and repairs were rolled back and are read again next time."""
        for name, value in self._committed.items():
            setattr(self.report, name, value)
        self.problems, self.notes = [], []

    def _snapshot(self) -> dict[str, Any]:
        return {**self.report.counts(), "truncated": self.report.truncated}
