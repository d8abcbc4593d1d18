"""The JSON API fuzzed with schemathesis over a seeded archive.

Every operation of /api/v1/openapi.json gets generated requests, valid and
invalid ones; each answer must not be a server error and must match the
description: its status, content type, headers and schema, and an invalid
request must be refused.  Valid requests also name the archive's real
groups, threads and posts, or they would reach little but 404s.  A fixed
budget and derandomized generation keep the run short and the same on every
run; API_FUZZ_EXAMPLES=N sets another budget (`make fuzz-api`).

schemathesis's own pytest integration (schema.parametrize over a fixture)
does not run on pytest 9.2, so each operation's strategies are driven here
with hypothesis's `given`; the checks are schemathesis's.  Not checked:
positive_data_acceptance, since a query with no searchable word is a
described 400 that a JSON Schema cannot tell apart from a valid string.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from forum.services.accounts import create_user
from forum.services.citations import attach_citation, citations_from_text
from forum.services.evidence import label_post, seed_label_kinds
from forum.services.moderation import hide_post
from forum.services.takedown_purge import purge_post
from forum.services.takedowns import redact_post
from importers.runner import ImportOptions, ImportRunner
from tests.web.factories import ArchiveFactory, build_sample

# Per operation and mode: ~10 s for the module on each database.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "50"))
SEED_THREAD = (Path(__file__).resolve().parents[2] / "samples"
               / "usenet-2000-magnesium-fibromyalgia-thread.txt")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance,
          negative_data_rejection]


def seed_archive() -> dict[str, list]:
    """The sample archive and the 2000 thread, with labels, citations, a hidden,
    a redacted and a purged post; returns real values for the path parameters."""
    sample = build_sample(ArchiveFactory(db.session))
    ImportRunner(db.session, ImportOptions(fmt="google-groups",
                                           group="alt.support.fibromyalgia")
                 ).run([str(SEED_THREAD)])
    seed_label_kinds(db.session)
    moderator = create_user(db.session, "mara", "correct horse battery", "moderator")
    admin = create_user(db.session, "ada", "correct horse battery", "admin")
    posts = list(db.session.scalars(
        select(Post).where(Post.is_ghost.is_(False), Post.is_hidden.is_(False),
                           Post.thread_id != sample.thread.id,
                           Post.thread_id != sample.html_thread.id)
        .order_by(Post.date, Post.id)))
    first, second, third, fourth = posts[:4]
    label_post(db.session, moderator, first, "limited_evidence", "Small trials.",
               citations=citations_from_text(db.session, "PMID 9068914"))
    attach_citation(db.session, moderator, first, "PMID 8988330", note="A trial.")
    words = " ".join(second.body_text.split()[:8])
    redact_post(db.session, moderator, second, words, "personal_information")
    hide_post(db.session, moderator, third, "spam", "fuzz seed")
    purge_post(db.session, admin, fourth, "legal")
    db.session.commit()
    every = list(db.session.scalars(select(Post)))
    return {
        "name": ["comp.lang.misc", "alt.test", "alt.support.fibromyalgia"],
        "thread_id": sorted({post.thread_id for post in every}),
        "permalink": sorted(post.permalink for post in every),
    }


@pytest.fixture(scope="module")
def real_values(module_app) -> dict[str, list]:
    with module_app.app_context():
        values = seed_archive()
        db.session.remove()
    return values


@pytest.fixture(scope="module")
def api_schema(module_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", module_app)


def strategies(operation, real_values: dict[str, list]) -> dict[str, st.SearchStrategy]:
    """Valid and invalid requests; valid ones name a real group, thread or
    post half the time, as random names would reach almost only the 404s."""
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    named = [name for name in real_values
             if name in {p.name for p in operation.path_parameters}]
    if named:
        real = st.sampled_from(real_values[named[0]]).flatmap(
            lambda value: operation.as_strategy(
                GenerationMode.POSITIVE, path_parameters={named[0]: value}))
        positive = st.one_of(positive, real)
    modes = {"positive": positive}
    if operation.path_parameters or operation.query:
        # Without parameters there is nothing to make invalid.
        modes["negative"] = operation.as_strategy(GenerationMode.NEGATIVE)
    return modes


def fuzz(strategy: st.SearchStrategy, label: str, counts: Counter) -> str | None:
    """Run one strategy for the budget; the shrunk failure, if any, in words."""

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
              database=None, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        response = case.call()
        counts[(label, response.status_code)] += 1
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        return None  # nothing invalid to send: any string is a permalink
    except (Exception, FailureGroup) as exc:  # noqa: BLE001 - all reported below
        return f"{label}: {exc}"
    return None


def test_api_answers_as_described(api_schema, real_values):
    """No server error, and every answer as described, for valid and invalid
    requests to every operation; the counts are printed (pytest -s)."""
    counts: Counter = Counter()
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        for mode, strategy in strategies(operation, real_values).items():
            failure = fuzz(strategy, f"{operation.label} ({mode})", counts)
            if failure:
                failures.append(failure)
    statuses: Counter = Counter()
    for (_, status), n in counts.items():
        statuses[status] += n
    print(f"\nschemathesis {schemathesis.SCHEMATHESIS_VERSION}, {EXAMPLES} examples: "
          f"{len(operations)} operations, {sum(counts.values())} test cases, "
          f"{len(failures)} failures, "
          f"{sum(n for code, n in statuses.items() if code >= 500)} server errors; "
          f"statuses {dict(sorted(statuses.items()))}")
    assert failures == [], "\n\n".join(failures)
    assert not any(status >= 500 for status in statuses)


@pytest.mark.parametrize(("url", "said"), [
    ("/api/v1/search?q=magnesium&sort=newest", "'sort' must be one of"),
    ("/api/v1/search?q=magnesium&thread=", "'thread' must be a thread number"),
    ("/api/v1/search?sort=date", "Add a query"),
])
def test_what_the_page_forgives_the_api_refuses(module_app, api_schema, real_values,
                                                url, said):
    """An unknown sort and a blank thread were read as the defaults, silently."""
    response = module_app.test_client().get(url)
    assert response.status_code == 400 and said in response.get_json()["error"]
    api_schema["/search"]["GET"].validate_response(response)


def test_threads_with_hidden_posts_match_the_schema(module_app, api_schema,
                                                    real_values):
    """A hidden post's entry has no permalink: it broke the Thread schema."""
    client = module_app.test_client()
    placeholders = 0
    for thread_id in real_values["thread_id"]:
        response = client.get(f"/api/v1/threads/{thread_id}")
        if response.status_code == 404:
            continue  # every post of it hidden
        api_schema["/threads/{thread_id}"]["GET"].validate_response(response)
        placeholders += sum(entry["permalink"] is None
                            for entry in response.get_json()["posts"])
    assert placeholders >= 2
