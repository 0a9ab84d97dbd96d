"""The written notices (clarification, extension, fee) can be downloaded by the handlers and by
the applicant's own session, as the unit sends them (issue #5 §3, §6; Regulation Art. 30, 33;
国办函〔2020〕109号)."""

from __future__ import annotations

import datetime
import io

import docx
import pytest
from django.test import Client
from pypdf import PdfReader

from gongkai.accounts.models import Role
from gongkai.disclosure_requests import services
from gongkai.disclosure_requests.choices import FeeMethod
from gongkai.disclosure_requests.tests import factories

D = datetime.date


@pytest.fixture
def handled(unit_a, make_user):
    officer = make_user("officer-a", unit_a, Role.DISCLOSURE_OFFICER)
    head = make_user("head-a", unit_a, Role.DISCLOSURE_HEAD)
    obj, code = factories.submitted(unit_a)
    factories.backdate(obj, D(2026, 11, 2))
    obj = services.request_confirm_receipt(request=obj, by=officer, received_on=D(2026, 11, 2))
    services.clarification_request(
        request=obj, by=officer, items="请说明所需文件的年份。", asked_on=D(2026, 11, 4)
    )
    services.clarification_receive(
        request=obj, by=officer, clarified_on=D(2026, 11, 5), response="2025 年"
    )
    services.extension_grant(request=obj, by=head, working_days=15, reason="信息量大")
    services.fee_notice_issue(request=obj, by=officer, method=FeeMethod.PER_VOLUME, pages=40)
    obj.refresh_from_db()
    return obj, code, officer


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_handlers_download_each_notice_as_docx_and_pdf(client, handled):
    """The officer gets each notice in both formats, with its own content."""
    obj, _code, officer = handled
    client.force_login(officer)
    expected = {"clarification": "请说明所需文件的年份", "extension": "15", "fee": "100"}
    for kind, words in expected.items():
        base = f"/backoffice/requests/{obj.tracking_number}/notice/{kind}"
        pdf = client.get(f"{base}.pdf")
        assert pdf.status_code == 200
        assert words in _pdf_text(b"".join(pdf.streaming_content))
        word = client.get(f"{base}.docx")
        assert word.status_code == 200
        text = "\n".join(
            p.text for p in docx.Document(io.BytesIO(b"".join(word.streaming_content))).paragraphs
        )
        assert words in text


def test_other_units_and_unknown_kinds_get_nothing(client, handled, make_user, unit_b):
    """An officer of another unit gets 404; so does a kind of notice that does not exist."""
    obj, _code, officer = handled
    other = make_user("officer-b", unit_b, Role.DISCLOSURE_OFFICER)
    client.force_login(other)
    url = f"/backoffice/requests/{obj.tracking_number}/notice/fee.pdf"
    assert client.get(url).status_code == 404
    client.force_login(officer)
    assert client.get(f"/backoffice/requests/{obj.tracking_number}/notice/x.pdf").status_code == 404


def test_the_applicant_downloads_the_notices_of_its_own_request_only(handled):
    """R-3.2: after looking the request up, the status page links the three notices and they
    download as PDF; a browser that has not looked it up gets 404."""
    obj, code, _officer = handled
    applicant = Client()
    found = applicant.post(
        "/requests/track/", {"tracking_number": obj.tracking_number, "query_code": code}
    )
    assert found.status_code == 302
    page = applicant.get(f"/requests/track/{obj.tracking_number}/").content.decode()
    for kind in ("clarification", "extension", "fee"):
        assert f"/requests/track/{obj.tracking_number}/notice/{kind}.pdf" in page
    response = applicant.get(f"/requests/track/{obj.tracking_number}/notice/fee.pdf")
    assert response.status_code == 200
    assert "收费通知书" in _pdf_text(b"".join(response.streaming_content))
    stranger = Client()
    assert stranger.get(f"/requests/track/{obj.tracking_number}/notice/fee.pdf").status_code == 404
