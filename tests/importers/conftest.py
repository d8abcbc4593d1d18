"""Hypothesis profiles for the importer fuzz tests (tests/importers/test_fuzz.py).

"ci" is a fixed, deterministic budget that `make test` can afford; "fuzz" is the
long run (`make fuzz`, or FORUM_FUZZ=long / HYPOTHESIS_PROFILE=fuzz).  Neither
writes an example database into the repository (`database=None`).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large,
          HealthCheck.function_scoped_fixture, HealthCheck.large_base_example,
          HealthCheck.filter_too_much]

settings.register_profile("ci", max_examples=12, derandomize=True, database=None,
                          deadline=None, suppress_health_check=_QUIET)
settings.register_profile("fuzz", max_examples=2000, derandomize=False, database=None,
                          deadline=None, suppress_health_check=_QUIET, print_blob=True)
