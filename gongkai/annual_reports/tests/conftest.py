"""Fixtures of the annual-report tests.

The request services accept receipt dates only up to a year back, and a report can be
published only once its year has ended, so tests that build 2025 and 2026 records run on a
fixed "today" (time-machine moves the clock; ``tick`` lets it run on from there): every
test but the browser tests, which keep the real clock (Chromium's cookies expire by it) and
use dates relative to the real today.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

TODAY = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def frozen_today(request):
    """Today is 2026-12-07 (the clock runs on from 10:00), except in browser tests."""
    if request.node.get_closest_marker("browser"):
        yield None
        return
    with time_machine.travel(TODAY, tick=True):
        yield TODAY.date()


@pytest.fixture
def late_2026():
    """Today is 2026-11-25, when 1 December 2025 was still within a year."""
    with time_machine.travel(
        datetime.datetime(2026, 11, 25, 10, 0, tzinfo=TODAY.tzinfo), tick=True
    ):
        yield
