"""The request tests were written on 2026-11-25 with dates around it (receipts in September
to November 2026, deadlines in December). The services check dates against today (a receipt
at most a year back, a clarification within 7 working days, an extension before the due
date), so these tests run on that day: time-machine moves the clock there and lets it tick.
Browser tests keep the real clock (Chromium's cookies expire by it) and use relative dates.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

WRITTEN_ON = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _written_on(request):
    if request.node.get_closest_marker("browser"):
        yield
        return
    with time_machine.travel(WRITTEN_ON, tick=True):
        yield
