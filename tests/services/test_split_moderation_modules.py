"""Takedowns, the review queue, same-claim propagation and citations were split
by subject; the names views, commands, the news server, importers, tests and
benchmarks read from their old homes are still there."""

from __future__ import annotations

import importlib

import pytest

USED = {
    "forum.services.takedowns": [
        "changed_post_ids", "changes_on", "hold_changes", "post_takedowns",
        "redact_post", "revert_change",
    ],
    "forum.services.queue": ["QueueFilter", "queue_items", "queue_page", "queue_sizes"],
    "forum.services.propagation": [
        "Settings", "accept_proposal", "archive_weights", "check_new_posts",
        "forget_weights", "likely_posts", "match_in_post", "proposals_on_posts",
        "propose_for_label", "reject_proposal", "same_claim_counts",
        "settings_from_config", "stands_alone",
    ],
    "forum.services.citations": [
        "SuggestionDecided", "apply_metadata", "attach_citation", "citation_for",
        "citations_from_text", "citations_on_posts", "csl_json", "decide_suggestion",
        "detach_citation", "fetch_metadata", "link_label_citations",
        "metadata_fields", "posts_citing", "posts_with_suggestions",
        "read_identifier", "suggestion_count",
    ],
}
# bench/propagation_cost.py times single steps of the claim search.
BENCH_ONLY = {"forum.services.claim_search": ["likely_among", "query_words",
                                               "post_text"]}


@pytest.mark.parametrize("name", sorted(USED))
def test_the_old_homes_export_every_name_in_use(name):
    module = importlib.import_module(name)
    assert sorted(set(USED[name]) - set(module.__all__)) == []
    assert [n for n in module.__all__ if not hasattr(module, n)] == []


def test_the_benchmark_still_finds_its_steps():
    for name, attributes in BENCH_ONLY.items():
        module = importlib.import_module(name)
        assert [a for a in attributes if not callable(getattr(module, a, None))] == []
