"""The disclosure catalogue (公开目录) on the portal and its downloads (Regulation Art. 12)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from gongkai.accounts.models import Role
from gongkai.library import services
from gongkai.library.tests.factories import draft, published

PUBLIC_HEADINGS = [
    "索引号",
    "标题",
    "摘要",
    "成文日期",
    "文号",
    "发布机构",
    "类别",
    "主题",
    "有效性",
    "发布日期",
    "施行日期",
    "有效期至",
]


@pytest.fixture
def reviewer_a(make_user, unit_a):
    return make_user("reviewer-a", unit_a, Role.REVIEWER)


@pytest.fixture
def documents(unit_a, unit_b, editor_a, reviewer_a, make_user):
    """Unit A: one published document and one draft; unit B: one published document."""
    editor_b = make_user("editor-b", unit_b, Role.EDITOR)
    reviewer_b = make_user("reviewer-b", unit_b, Role.REVIEWER)
    return {
        "a": published(
            unit_a, editor_a, reviewer_a, title="甲局就业措施", summary="就业补贴的条件和标准。"
        ),
        "draft": draft(unit_a, editor_a, title="甲局草稿"),
        "b": published(
            unit_b,
            editor_b,
            reviewer_b,
            title="乙局预算公开",
            signed_date=datetime.date(2021, 5, 6),
        ),
    }


def _html(response) -> str:
    return response.content.decode()


def test_catalogue_lists_index_number_title_summary_and_date_formed(client, documents):
    """Each published document appears with index number, title, summary and signed date."""
    response = client.get("/catalogue/")

    assert response.status_code == 200
    html = _html(response)
    a = documents["a"]
    row = html[html.index(f'<td class="catalogue__index">{a.index_number}</td>') :]
    row = row[: row.index("</tr>")]
    assert f'<a href="{a.get_absolute_url()}">甲局就业措施</a>' in row
    assert "就业补贴的条件和标准。" in row
    assert "2020-03-02" in row
    assert "经济局" in row
    assert "乙局预算公开" in html
    assert "甲局草稿" not in html
    for label in ["索引号", "标题", "摘要", "成文日期"]:
        assert f'<th scope="col">{label}</th>' in html


def test_catalogue_filters_by_unit(client, documents):
    """The unit filter keeps the documents of one unit, and the download links keep it too."""
    html = _html(client.get("/catalogue/?unit=CZJ"))

    assert "乙局预算公开" in html
    assert "甲局就业措施" not in html
    assert 'href="/catalogue/catalogue.xlsx?unit=CZJ"' in html
    assert 'href="/catalogue/catalogue.csv?unit=CZJ"' in html


def test_catalogue_in_english_has_english_headings(client, documents):
    """Under /en/ the catalogue's headings are English."""
    html = _html(client.get("/en/catalogue/"))

    for label in ["Index number", "Title", "Summary", "Signed date"]:
        assert f'<th scope="col">{label}</th>' in html


def test_catalogue_xlsx_has_chinese_headings_and_a_row_per_published_document(client, documents):
    """The XLSX download opens in openpyxl: Chinese headings, then the published documents."""
    response = client.get("/catalogue/catalogue.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert 'filename="disclosure-catalogue-all-' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == PUBLIC_HEADINGS
    by_index = {row[0]: row for row in rows[1:]}
    assert set(by_index) == {documents["a"].index_number, documents["b"].index_number}
    row = by_index[documents["a"].index_number]
    assert row[1] == "甲局就业措施"
    assert row[2] == "就业补贴的条件和标准。"
    assert row[3].date() == datetime.date(2020, 3, 2)
    assert row[4] == "津生管发〔2020〕12号"
    assert row[5] == "经济局"
    assert row[8] == "现行有效"


def test_catalogue_csv_is_utf8_with_bom_and_chinese(client, documents):
    """The CSV starts with a BOM (Excel then reads UTF-8) and carries the Chinese text."""
    response = client.get("/catalogue/catalogue.csv?unit=JJJ")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == PUBLIC_HEADINGS
    assert [row[1] for row in rows[1:]] == ["甲局就业措施"]
    assert rows[1][3] == "2020-03-02"


def test_catalogue_download_of_an_unknown_unit_is_not_found(client, documents):
    """Asking for the catalogue of a unit that does not exist answers 404."""
    assert client.get("/catalogue/catalogue.csv?unit=NOPE").status_code == 404
    assert client.get("/catalogue/catalogue.pdf").status_code == 404


def test_withdrawn_documents_leave_the_catalogue(client, documents, reviewer_a):
    """A withdrawn document is no longer in the catalogue (its page stays, with the notice)."""
    services.document_withdraw(document=documents["a"], by=reviewer_a, reason="重复发布")

    assert "甲局就业措施" not in _html(client.get("/catalogue/"))
    data = b"".join(client.get("/catalogue/catalogue.csv").streaming_content).decode("utf-8-sig")
    assert "甲局就业措施" not in data
