"""Pure threading helpers: tree order and subject keys."""

from datetime import datetime

import pytest

from forum.services.threading import TreeNode, order_tree, subject_key


def node(id_, parent=None, day=1):
    return TreeNode(id_, parent, datetime(2000, 1, day), False)


def test_children_follow_parents_oldest_first():
    nodes = [node(1), node(2, 1, 3), node(3, 1, 2), node(4, 3, 4)]
    assert order_tree(nodes) == [(1, 0, 0), (3, 1, 1), (4, 2, 2), (2, 3, 1)]


def test_a_cycle_is_visited_once_and_ends():
    nodes = [node(1, 2), node(2, 1, 2)]
    assert sorted(post for post, _, _ in order_tree(nodes)) == [1, 2]


def test_a_very_deep_thread_does_not_recurse():
    nodes = [node(1)] + [node(i, i - 1) for i in range(2, 5001)]
    assert order_tree(nodes)[-1] == (5000, 4999, 4999)


@pytest.mark.parametrize(
    ("subject", "key"),
    [
        ("Re: Magnesium", "magnesium"),
        ("RE: re: AW: Antw: magnesium", "magnesium"),
        ("[open-iscsi] Re: [PATCH] Fix", "fix"),
        ("答复: iscsi slow boot", "iscsi slow boot"),
        ("Fwd: Re:   Two   spaces", "two spaces"),
        ("Reply from the field", "reply from the field"),
    ],
)
def test_subject_key_drops_reply_prefixes_and_list_tags(subject, key):
    assert subject_key(subject) == key
