"""Shared Hypothesis settings for the property tests (tests/ingest, tests/clean).

Reproducible by default (derandomized, no example database); ``STORYLINE_PROPERTY_EXAMPLES=N`` switches
to N randomized examples per test for a longer exploratory run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXPLORE = int(os.environ.get("STORYLINE_PROPERTY_EXAMPLES", "0"))


def property_settings(n: int) -> settings:
    return settings(
        max_examples=EXPLORE or n,
        deadline=None,
        derandomize=not EXPLORE,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
