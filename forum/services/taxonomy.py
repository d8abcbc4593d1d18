"""The default evidence taxonomy, seeded on first start and editable by admins.

Modelled on ClaimReview ratings and Wikipedia's medical sourcing rules: verdicts
say how a claim stands against the research, the rest give context.  Severity
is shown with a word and an icon as well as a colour, so it never depends on
colour alone.
"""

from __future__ import annotations

SEVERITY_ICONS = {"info": "ℹ", "context": "◆", "caution": "⚠", "serious": "⛔"}
SEVERITY_WORDS = {"info": "Info", "context": "Context", "caution": "Caution",
                  "serious": "Serious"}


def _kind(key: str, name: str, definition: str, severity: str, citation: bool = False,
          verdict: bool = False) -> dict[str, str | bool]:
    return {"key": key, "display_name": name, "definition": definition,
            "severity": severity, "requires_citation": citation,
            "is_verdict": verdict}


DEFAULT_KINDS = [
    _kind("personal_experience", "Personal experience",
          "The poster describes what happened to them: an anecdote, not evidence "
          "that it works for others.", "info"),
    _kind("cites_research", "Cites research",
          "The claim points to published research, attached here.", "info",
          citation=True),
    _kind("consistent_with_evidence", "Consistent with evidence",
          "Good-quality research supports this claim.", "context",
          citation=True, verdict=True),
    _kind("limited_evidence", "Limited evidence",
          "Some research points this way, but it is small, early or mixed.",
          "caution", citation=True, verdict=True),
    _kind("partly_supported", "Partly supported",
          "Part of the claim holds up against the research; part goes further "
          "than the research does.", "caution", citation=True, verdict=True),
    _kind("misleading", "Misleading",
          "Has a grain of truth, but leads readers to a wrong conclusion about "
          "what the research shows.", "serious", citation=True, verdict=True),
    _kind("unsupported", "Unsupported",
          "No good evidence supports this claim.", "caution", verdict=True),
    _kind("contradicted", "Contradicted by evidence",
          "Good-quality research contradicts this claim.", "serious",
          citation=True, verdict=True),
    _kind("outdated", "Outdated",
          "A fair reading of the research when written; later research changed "
          "the picture.", "caution", citation=True, verdict=True),
    _kind("needs_source", "Needs a source",
          "A factual claim a reader cannot check without a source.", "context"),
    _kind("source_not_found", "Source not found",
          "The source the post gives could not be found.", "caution"),
    _kind("misrepresents_source", "Misrepresents its source",
          "The cited source does not say what the post says it does.", "serious",
          citation=True),
    _kind("medical_advice_caution", "Medical advice: take care",
          "Gives dosing or treatment advice; talk to a clinician before acting "
          "on it.", "serious"),
    _kind("off_topic", "Off topic",
          "Not about the discussion's subject.", "info"),
]
