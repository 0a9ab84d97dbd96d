"""Campaign screens of the back office: launch, progress, export, task lists, decisions."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from gongkai.campaigns import services
from gongkai.campaigns.exports import HEADINGS
from gongkai.campaigns.models import Campaign, CampaignKind, CampaignState, CampaignTask, Decision
from gongkai.campaigns.tests.conftest import SINCE_2010, normative, undecided
from gongkai.library.choices import DisclosureAttribute, PublicationState
from gongkai.library.models import Document

CHANGELIST = "admin:campaigns_campaigntask_changelist"


def _launch(office_admin, deadline, kind=CampaignKind.ATTRIBUTE_REVIEW):
    return services.campaign_launch(
        by=office_admin,
        kind=kind,
        title="2026年公开属性审查",
        filter=SINCE_2010,
        deadline=deadline,
    )


@pytest.fixture
def two_units(unit_a, unit_b, editor_a, reviewer_b):
    """An undecided document in each unit."""
    return (
        undecided(unit_a, editor_a, title="甲单位的历史文件"),
        undecided(unit_b, reviewer_b, title="乙单位的历史文件"),
    )


def test_task_list_shows_only_the_units_own_tasks(
    client, two_units, reviewer_b, office_admin, deadline
):
    """B's reviewer sees B's task and nothing of A's; the Office sees both."""
    _launch(office_admin, deadline)
    client.force_login(reviewer_b)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert "乙单位的历史文件" in response.text
    assert "甲单位的历史文件" not in response.text
    client.force_login(office_admin)
    response = client.get(reverse(CHANGELIST))
    assert "乙单位的历史文件" in response.text
    assert "甲单位的历史文件" in response.text


def test_guessing_another_units_task_url_reveals_and_changes_nothing(
    client, two_units, reviewer_b, office_admin, deadline
):
    """B's reviewer opening or posting to A's task URL is answered as if it did not exist."""
    campaign = _launch(office_admin, deadline)
    task = CampaignTask.objects.get(campaign=campaign, document=two_units[0])
    url = reverse("admin:campaigns_campaigntask_change", args=[task.pk])
    client.force_login(reviewer_b)
    response = client.get(url, follow=True)
    assert "甲单位的历史文件" not in response.text
    assert response.redirect_chain[0][0] == reverse("admin:index")
    client.post(url, {"decision": Decision.CONVERT_TO_PROACTIVE})
    task.refresh_from_db()
    assert task.decision == ""
    assert Document.objects.get(pk=two_units[0].pk).state == PublicationState.DRAFT


def test_an_editor_sees_the_task_but_cannot_decide(
    client, two_units, editor_a, office_admin, deadline
):
    """Deciding is for the unit's reviewers: an editor's page has no form, a post is refused."""
    campaign = _launch(office_admin, deadline)
    task = CampaignTask.objects.get(campaign=campaign, document=two_units[0])
    url = reverse("admin:campaigns_campaigntask_change", args=[task.pk])
    client.force_login(editor_a)
    response = client.get(url)
    assert response.status_code == 200
    assert 'id="decide-form"' not in response.text
    assert client.post(url, {"decision": "convert_to_proactive"}).status_code == 403


def test_reviewer_decides_through_the_back_office(
    client, two_units, reviewer_a, office_admin, deadline
):
    """Converting on the decide page publishes the document and returns to the task list."""
    campaign = _launch(office_admin, deadline)
    task = CampaignTask.objects.get(campaign=campaign, document=two_units[0])
    client.force_login(reviewer_a)
    url = reverse("admin:campaigns_campaigntask_change", args=[task.pk])
    assert 'id="decide-form"' in client.get(url).text
    response = client.post(url, {"decision": Decision.CONVERT_TO_PROACTIVE, "decide": "1"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.applied
    assert task.decided_by == reviewer_a
    assert Document.objects.get(pk=two_units[0].pk).state == PublicationState.PUBLISHED


def test_keep_without_a_ground_is_explained_on_the_form(
    client, two_units, reviewer_a, office_admin, deadline
):
    """A keep decision without ground and explanation is shown again with the reasons."""
    campaign = _launch(office_admin, deadline)
    task = CampaignTask.objects.get(campaign=campaign, document=two_units[0])
    client.force_login(reviewer_a)
    url = reverse("admin:campaigns_campaigntask_change", args=[task.pk])
    response = client.post(url, {"decision": Decision.KEEP, "keep_attribute": "withheld"})
    assert response.status_code == 200
    assert "至少选择一项" in response.text
    assert "请说明不主动公开的具体理由" in response.text
    task.refresh_from_db()
    assert task.decision == ""


def test_bulk_decide_for_many_tasks(client, unit_a, editor_a, reviewer_a, office_admin, deadline):
    """The "decide the selected tasks" action asks for one decision and records it for all."""
    documents = [undecided(unit_a, editor_a, title=f"历史文件{n}") for n in range(3)]
    campaign = _launch(office_admin, deadline)
    ids = [str(t.pk) for t in campaign.tasks.all()]
    client.force_login(reviewer_a)
    url = reverse(CHANGELIST)
    response = client.post(url, {"action": "decide_selected", "_selected_action": ids})
    assert response.status_code == 200
    assert 'id="bulk-decide-form"' in response.text
    response = client.post(
        url,
        {
            "action": "decide_selected",
            "_selected_action": ids,
            "select_across": "0",
            "index": "0",
            "confirm": "1",
            "decision": Decision.KEEP,
            "keep_attribute": "on_request",
            "grounds": ["process_information"],
            "explanation": "过程性信息。",
        },
    )
    assert response.status_code == 302
    assert campaign.tasks.filter(decision=Decision.KEEP, applied=True).count() == 3
    assert {d.attribute for d in Document.objects.filter(pk__in=[d.pk for d in documents])} == {
        DisclosureAttribute.ON_REQUEST
    }


def test_task_list_queries_do_not_grow_with_tasks(
    client, unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """The task list costs the same number of queries for 2 tasks as for 6."""
    for n in range(2):
        undecided(unit_a, editor_a, title=f"文件{n}")
    campaign = _launch(office_admin, deadline)
    client.force_login(reviewer_a)
    url = reverse(CHANGELIST)
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(4):
        undecided(unit_a, editor_a, title=f"后加文件{n}")
    services.campaign_refresh(campaign=campaign, by=office_admin)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "后加文件3" in response.text
    assert len(many) == len(few)


def test_office_launches_with_a_preview(client, two_units, reviewer_a, office_admin, deadline):
    """The add page is the launch form; Preview counts per unit; Launch creates the tasks.
    A unit reviewer cannot open it."""
    client.force_login(reviewer_a)
    assert client.get(reverse("admin:campaigns_campaign_add")).status_code == 403
    client.force_login(office_admin)
    url = reverse("admin:campaigns_campaign_launch")
    form = {
        "kind": CampaignKind.ATTRIBUTE_REVIEW,
        "title": "2026年公开属性审查",
        "deadline": deadline.isoformat(),
        "signed_from": "2010-01-01",
    }
    response = client.post(url, {**form, "preview": "1"})
    assert response.status_code == 200
    assert 'id="launch-preview"' in response.text
    assert "经济局" in response.text
    assert "财政局" in response.text
    assert not Campaign.objects.exists()
    response = client.post(url, {**form, "launch": "1"})
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.tasks.count() == 2
    assert campaign.filter["signed_from"] == "2010-01-01"


def test_launch_form_explains_bad_input(client, two_units, office_admin, deadline):
    """Dates in the wrong order are refused on the form; nothing is launched."""
    client.force_login(office_admin)
    response = client.post(
        reverse("admin:campaigns_campaign_launch"),
        {
            "kind": CampaignKind.ATTRIBUTE_REVIEW,
            "title": "审查",
            "deadline": deadline.isoformat(),
            "signed_from": "2020-01-01",
            "signed_to": "2010-01-01",
            "launch": "1",
        },
    )
    assert response.status_code == 200
    assert "截止日期不能早于起始日期" in response.text
    assert not Campaign.objects.exists()


def test_overview_shows_progress_and_the_office_closes_and_publishes(
    client, two_units, reviewer_a, office_admin, deadline
):
    """The overview's progress table lists each unit; close and publish work for the Office
    only."""
    campaign = _launch(office_admin, deadline)
    overview = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    act = reverse("admin:campaigns_campaign_act", args=[campaign.pk])
    client.force_login(reviewer_a)
    response = client.get(overview)
    assert response.status_code == 200
    assert "经济局" in response.text
    assert "财政局" not in response.text
    assert client.post(act, {"action": "close"}).status_code == 403
    client.force_login(office_admin)
    response = client.get(overview)
    assert 'id="campaign-progress"' in response.text
    assert "经济局" in response.text
    assert "财政局" in response.text
    client.post(act, {"action": "publish"})  # refused while open: a message, nothing else
    campaign.refresh_from_db()
    assert not campaign.results_published
    assert client.post(act, {"action": "close"}).status_code == 302
    assert client.post(act, {"action": "publish"}).status_code == 302
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.CLOSED
    assert campaign.results_published


def test_export_is_an_xlsx_with_one_row_per_task(
    client, two_units, reviewer_a, office_admin, deadline
):
    """The XLSX opens with openpyxl: the headings, then one row per task with the decision."""
    campaign = _launch(office_admin, deadline)
    task = CampaignTask.objects.get(campaign=campaign, document=two_units[0])
    services.task_decide(
        task=task,
        by=reviewer_a,
        decision=Decision.KEEP,
        keep_attribute="withheld",
        grounds=["internal_affairs"],
        explanation="=内部人事管理",  # never becomes a formula
    )
    url = reverse("admin:campaigns_campaign_export", args=[campaign.pk])
    client.force_login(reviewer_a)
    assert client.get(url).status_code == 403
    client.force_login(office_admin)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADINGS
    assert len(rows) == 3
    by_title = {row[1]: row for row in rows[1:]}
    kept = by_title["甲单位的历史文件"]
    assert kept[0] == two_units[0].index_number
    assert kept[3] == "经济局"
    assert kept[8] == "reviewer-a"
    assert kept[7] == "=内部人事管理"
    assert kept[10] == "是"
    assert by_title["乙单位的历史文件"][5] in ("", None)
    assert by_title["乙单位的历史文件"][10] == "否"


def test_cleanup_decide_page_offers_the_cleanup_decisions(
    client, unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """A clean-up task offers keep / revise / repeal / declare expired, without grounds."""
    document = normative(unit_a, editor_a)
    campaign = _launch(office_admin, deadline, kind=CampaignKind.CLEANUP)
    task = campaign.tasks.get(document=document)
    client.force_login(reviewer_a)
    url = reverse("admin:campaigns_campaigntask_change", args=[task.pk])
    text = client.get(url).text
    assert 'value="repeal"' in text
    assert 'value="declare_expired"' in text
    assert 'name="grounds"' not in text
    response = client.post(url, {"decision": Decision.REPEAL, "explanation": "已不适应管理需要"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.validity == "repealed"
