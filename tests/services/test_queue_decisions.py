"""The rules every suggestion a moderator decides from the queue shares."""

import pytest

from forum.errors import ForumError
from forum.services.queue_decisions import MAX_REASON, reason_given, refuse_decided


class Refused(ForumError):
    pass


def test_a_waiting_suggestion_may_be_decided():
    refuse_decided("proposed", "proposed", "proposal", Refused)


def test_a_decided_one_is_refused_saying_how_it_was_decided():
    with pytest.raises(Refused, match="This reference was rejected already."):
        refuse_decided("rejected", "unresolved", "reference", Refused)


def test_a_reason_is_kept_with_its_spacing_collapsed_and_cut():
    assert reason_given("  not\n the   same\tclaim ", Refused, "Say why.") == \
        "not the same claim"
    assert len(reason_given("x" * (MAX_REASON + 50), Refused, "Say why.")) == MAX_REASON


@pytest.mark.parametrize("reason", ["", "  \n\t", None])
def test_no_reason_is_refused_with_the_question(reason):
    with pytest.raises(Refused, match="Say why this is not the same claim."):
        reason_given(reason, Refused, "Say why this is not the same claim.")
