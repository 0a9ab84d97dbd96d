"""The public results list of a campaign (issue #3 §7)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from gongkai.campaigns import services
from gongkai.campaigns.models import CampaignKind, CampaignTask, Decision
from gongkai.campaigns.tests.conftest import SINCE_2010, normative, undecided
from gongkai.library.choices import WithholdingGround


def test_results_page_is_404_until_published_then_lists_the_decisions(
    client, unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """Nothing is public until the Office publishes; then converted and kept documents are
    listed with the ground of each kept one."""
    converted = undecided(unit_a, editor_a, title="转为主动公开的文件")
    kept = undecided(unit_a, editor_a, title="保留不公开的文件")
    undecided(unit_a, editor_a, title="未作决定的文件")
    campaign = services.campaign_launch(
        by=office_admin,
        kind=CampaignKind.ATTRIBUTE_REVIEW,
        title="2026年公开属性审查",
        filter=SINCE_2010,
        deadline=deadline,
    )
    services.task_decide(
        task=CampaignTask.objects.get(campaign=campaign, document=converted),
        by=reviewer_a,
        decision=Decision.CONVERT_TO_PROACTIVE,
    )
    services.task_decide(
        task=CampaignTask.objects.get(campaign=campaign, document=kept),
        by=reviewer_a,
        decision=Decision.KEEP,
        keep_attribute="withheld",
        grounds=["internal_affairs"],
        explanation="内部人事管理。",
    )
    url = reverse("campaigns:results", args=[campaign.pk])
    assert client.get(url).status_code == 404
    assert "2026年公开属性审查" not in client.get(reverse("campaigns:results_list")).text
    services.campaign_close(campaign=campaign, by=office_admin)
    assert client.get(url).status_code == 404
    services.campaign_publish_results(campaign=campaign, by=office_admin)

    response = client.get(url)
    assert response.status_code == 200
    assert "转为主动公开的文件" in response.text
    assert "保留不公开的文件" in response.text
    assert "未作决定的文件" not in response.text
    assert 'id="decision-convert_to_proactive"' in response.text
    assert 'id="decision-keep"' in response.text
    assert escape(str(WithholdingGround.INTERNAL_AFFAIRS.label)) in response.text
    converted.refresh_from_db()
    try:
        link = converted.get_absolute_url()
    except NoReverseMatch:  # without the portal's document pages there is no link
        link = None
    if link:
        assert f'href="{link}"' in response.text
    assert "保留不公开的文件</a>" not in response.text  # not public: no link
    assert "2026年公开属性审查" in client.get(reverse("campaigns:results_list")).text


def test_cleanup_results_list_each_decision(
    client, unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """A clean-up's results list the repealed and kept normative documents."""
    repeal = normative(unit_a, editor_a, title="应废止的办法")
    keep = normative(unit_a, editor_a, title="继续有效的办法")
    campaign = services.campaign_launch(
        by=office_admin, kind=CampaignKind.CLEANUP, title="清理", filter={}, deadline=deadline
    )
    for document, decision in [(repeal, Decision.REPEAL), (keep, Decision.KEEP)]:
        services.task_decide(
            task=CampaignTask.objects.get(campaign=campaign, document=document),
            by=reviewer_a,
            decision=decision,
        )
    services.campaign_close(campaign=campaign, by=office_admin)
    services.campaign_publish_results(campaign=campaign, by=office_admin)
    text = client.get(reverse("campaigns:results", args=[campaign.pk])).text
    assert 'id="decision-repeal"' in text
    assert "应废止的办法" in text
    assert 'id="decision-keep"' in text
    assert "继续有效的办法" in text


def test_titles_of_documents_kept_as_state_secrets_are_not_published(
    client, unit_a, editor_a, reviewer_a, office_admin, deadline
):
    """A document kept back as a state secret is listed without its title or number."""
    secret = undecided(unit_a, editor_a, title="某涉密事项的请示")
    campaign = services.campaign_launch(
        by=office_admin,
        kind=CampaignKind.ATTRIBUTE_REVIEW,
        title="涉密标题测试",
        filter=SINCE_2010,
        deadline=deadline,
    )
    services.task_decide(
        task=CampaignTask.objects.get(campaign=campaign, document=secret),
        by=reviewer_a,
        decision=Decision.KEEP,
        keep_attribute="withheld",
        grounds=["state_secret"],
        explanation="属于国家秘密。",
    )
    services.campaign_close(campaign=campaign, by=office_admin)
    services.campaign_publish_results(campaign=campaign, by=office_admin)
    page = client.get(reverse("campaigns:results", args=[campaign.pk])).text
    assert "某涉密事项的请示" not in page
    assert secret.index_number in page
