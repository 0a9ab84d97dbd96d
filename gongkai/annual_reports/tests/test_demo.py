"""The demo annual reports (issue #6): published through the services, every check passing,
and loading the demo again changes nothing."""

from __future__ import annotations

import pytest

from gongkai.annual_reports.demo import UNITS, YEAR, load_demo_annual_reports
from gongkai.annual_reports.models import AnnualReport, ReportState
from gongkai.core.models import AuditEntry
from gongkai.units.demo import load_demo

pytestmark = pytest.mark.django_db


def test_demo_reports_are_published_and_pass_their_checks():
    load_demo()
    assert load_demo_annual_reports() == len(UNITS) + 1
    reports = AnnualReport.objects.filter(year=YEAR).select_related("unit")
    assert {r.unit.code if r.unit else None for r in reports} == {*UNITS, None}
    for report in reports:
        assert report.state == ReportState.PUBLISHED
        assert report.published_data["checks"] == {"passed": True, "failures": []}
        assert report.published_data["chain"]["passed"]
        assert report.reviewed_by_id != report.published_by_id or report.unit is None
    jjj = reports.get(unit__code="JJJ")
    assert jjj.licensing_decisions == 1264
    assert jjj.published_data["sections"]["problems"].startswith("一是政策解读形式")


def test_loading_the_demo_again_changes_nothing():
    load_demo()
    load_demo_annual_reports()
    before = (
        list(AnnualReport.objects.order_by("pk").values_list("pk", "version", "published_at")),
        AuditEntry.objects.count(),
    )
    assert load_demo_annual_reports() == 0
    after = (
        list(AnnualReport.objects.order_by("pk").values_list("pk", "version", "published_at")),
        AuditEntry.objects.count(),
    )
    assert after == before


def test_without_the_demo_units_nothing_is_made():
    assert load_demo_annual_reports() == 0
    assert not AnnualReport.objects.exists()
