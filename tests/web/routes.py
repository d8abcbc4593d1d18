"""Paths for every rule of the URL map, for the tests that send each route.

`tests.helpers.route_path` fills in numbers and words; a rule whose segment
takes one of a few values (`<any(mbox, "mbox.gz"):file>`: one view answers
both downloads) gives a path for each of them here, so that both files are
still sent as they were when they were two rules.
"""

from __future__ import annotations

import re
from itertools import product
from types import SimpleNamespace

from werkzeug.routing.converters import AnyConverter

from tests.helpers import route_path


def any_choices(rule) -> list[dict[str, str]]:
    """Every combination of the values the rule's `any(...)` arguments take
    ([{}] for a rule without one)."""
    choices = {name: sorted(converter.items)
               for name, converter in rule._converters.items()
               if isinstance(converter, AnyConverter)}
    return [dict(zip(choices, values, strict=True))
            for values in product(*choices.values())]


def route_paths(rule, number: int) -> list[str]:
    """`route_path(rule, number)` for each of `any_choices(rule)`."""
    paths = []
    for choice in any_choices(rule):
        text = rule.rule
        for name, value in choice.items():
            text = re.sub(rf"<[^<>]*:{name}>", value, text)
        rest = {name: converter for name, converter in rule._converters.items()
                if name not in choice}
        paths.append(route_path(SimpleNamespace(rule=text, _converters=rest), number))
    return paths
