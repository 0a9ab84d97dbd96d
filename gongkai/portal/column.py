"""The government-information column (政府信息公开专栏, issue #4 §1; R-5.1; Regulation
Art. 12, 19–20, 49–50).

The statutory structure: disclosure guide (generated from the units' data), disclosure
rules, statutory proactive content in the fifteen Art. 20 categories, the key areas, the
policy-document library (with interpretations, R-2.1, R-5.3), annual reports, and a link to
the disclosure catalogue. The platform has one column (``/column/…``) and every unit has
its own with the same structure (``/units/<code>/column/…``), narrowed to the documents it
issued alone or jointly; its guide gives that unit's contacts.

Views are thin: reads go through :mod:`gongkai.portal.selectors` and the units' selectors.
Unknown units, categories and key areas answer 404; junk filters are reported in the form
and ignored; a page number out of range shows the last page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gongkai.library.choices import Art20Category, DocumentKind, KeyArea, Topic
from gongkai.portal import selectors
from gongkai.portal.forms import UnitFilterForm
from gongkai.portal.views import DOCUMENTS_PER_PAGE, _grouped_by_kind, _page
from gongkai.units import selectors as unit_selectors
from gongkai.units.models import Unit

# The column's own pages, in the order of its navigation. Categories and key areas are
# listed on the overview (anchors ``#statutory`` and ``#key-areas``).
NAV: tuple[tuple[str, Any], ...] = (
    ("column", _("Overview")),
    ("column_guide", _("Disclosure guide")),
    ("column_rules", _("Disclosure rules")),
    ("statutory", _("Statutory content")),
    ("key_areas", _("Key areas")),
    ("column_policies", _("Policy documents")),
    ("column_annual_reports", _("Annual reports")),
    ("catalogue", _("Disclosure catalogue")),
)

# The national rules on disclosure (公开制度): the Regulation and the State Council's rules
# that every unit applies. The platform's own rules are generated from its settings.
NATIONAL_RULES: tuple[Any, ...] = (
    _(
        "Regulation of the People's Republic of China on the Disclosure of Government "
        "Information (State Council Decree No. 711, revised on 3 April 2019, in force since "
        "15 May 2019)"
    ),
    _(
        "Measures on Processing Fees for the Disclosure of Government Information "
        "(General Office of the State Council, letter [2020] No. 109)"
    ),
    _(
        "Format of the Annual Report on Government Information Disclosure (Government "
        "Information and Openness Office of the General Office of the State Council, "
        "letter [2021] No. 30)"
    ),
)

# Statutory time limits for replies (Regulation Art. 33), in working days.
REPLY_WORKING_DAYS = 20
EXTENSION_WORKING_DAYS = 20


def _unit_or_404(code: str | None) -> Unit | None:
    if code is None:
        return None
    try:
        return selectors.column_unit(code)
    except Unit.DoesNotExist:
        raise Http404(_("There is no unit with this code.")) from None


def _url(name: str, unit: Unit | None, **kwargs: Any) -> str:
    """The platform's page ``name`` or, with ``unit``, the same page of the unit's column."""
    if unit is None:
        return reverse(f"portal:{name}", kwargs=kwargs or None)
    return reverse(f"portal:unit_{name}", kwargs={"code": unit.code, **kwargs})


def _catalogue_url(unit: Unit | None) -> str:
    url = reverse("portal:catalogue")
    return f"{url}?unit={unit.code}" if unit is not None else url


# A category page belongs to the "statutory content" section, a key-area page to "key areas".
SECTION_OF = {"category": "statutory", "key_area": "key_areas"}


def _nav(unit: Unit | None, current: str) -> list[dict[str, Any]]:
    """The column's navigation; ``current`` is "page" for this page, "true" for its section."""
    overview = _url("column", unit)
    urls = {
        "statutory": f"{overview}#statutory",
        "key_areas": f"{overview}#key-areas",
        "catalogue": _catalogue_url(unit),
    }
    items = []
    for key, label in NAV:
        url = urls.get(key) or _url(key, unit)
        state = "page" if key == current else ""
        if SECTION_OF.get(current) == key:
            state = "true"
        items.append({"key": key, "label": label, "url": url, "current": state})
    return items


def _context(request: HttpRequest, unit: Unit | None, current: str, **extra: Any) -> dict[str, Any]:
    nav = _nav(unit, current)
    return {
        "unit": unit,
        "column_nav": nav,
        "column_urls": {item["key"]: item["url"] for item in nav},
        "is_overview": current == "column",
        "column_url": _url("column", unit),
        "catalogue_url": _catalogue_url(unit),
        "en": (get_language() or "").startswith("en"),
        "nav": "column",
        **extra,
    }


def _categories(unit: Unit | None) -> list[dict[str, Any]]:
    counts = selectors.category_counts(unit)
    return [
        {
            "code": code,
            "label": capfirst(label),
            "count": counts.get(code, 0),
            "url": _url("column_category", unit, category=code),
        }
        for code, label in Art20Category.choices
    ]


def _key_areas(unit: Unit | None) -> list[dict[str, Any]]:
    counts = selectors.key_area_counts(unit)
    return [
        {
            "area": area,
            "label": capfirst(label),
            "count": counts.get(area, 0),
            "url": _url("column_key_area", unit, area=area),
        }
        for area, label in KeyArea.choices
    ]


def _unit_filter(
    request: HttpRequest, unit: Unit | None
) -> tuple[UnitFilterForm | None, Unit | None]:
    """On the platform's column, the "issued by" filter and the unit it picks (if valid)."""
    if unit is not None:
        return None, unit
    units = list(unit_selectors.public_unit_list())
    form = UnitFilterForm(request.GET or None, units=units)
    code = form.filters().get("unit") if form.is_bound else None
    chosen = next((u for u in units if u.code == code), None)
    return form, chosen


def column(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The column's overview: guide, rules, the fifteen categories and the key areas with how
    many documents each holds, the policy library, annual reports, catalogue; on the
    platform, the units' own columns."""
    unit = _unit_or_404(code)
    groups = None if unit else _grouped_by_kind(unit_selectors.public_unit_list())
    context = _context(
        request,
        unit,
        "column",
        categories=_categories(unit),
        key_areas=_key_areas(unit),
        groups=groups,
    )
    return render(request, "portal/column/index.html", context)


def column_guide(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The disclosure guide (公开指南, Art. 12), generated from the data: the classification
    with each category's count, how to obtain information, the contacts of the office that
    receives requests (the unit's own, or the Office's on the platform), how to apply, time
    limits, fees and remedies."""
    unit = _unit_or_404(code)
    contact = unit if unit is not None else selectors.office()
    units = None if unit else list(unit_selectors.public_unit_list())
    example_code = contact.code if contact is not None else "JJJ"
    rules: dict[str, Any] = settings.GONGKAI_LIBRARY
    context = _context(
        request,
        unit,
        "column_guide",
        contact=contact,
        units=units,
        categories=_categories(unit),
        index_example=f"{example_code}/11-{timezone.localdate().year}-00001",
        publish_within=int(rules["PUBLISH_WITHIN_WORKING_DAYS"]),
        reply_days=REPLY_WORKING_DAYS,
        extension_days=EXTENSION_WORKING_DAYS,
        today=timezone.localdate(),
    )
    return render(request, "portal/column/guide.html", context)


def column_rules(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Disclosure rules (公开制度): the national rules, the platform's rules (from its
    settings) and the rules on disclosure work the units (a unit and the Office) issued."""
    unit = _unit_or_404(code)
    rules: dict[str, Any] = settings.GONGKAI_LIBRARY
    page = _page(
        selectors.openness_rule_documents(unit), request.GET.get("page"), DOCUMENTS_PER_PAGE
    )
    context = _context(
        request,
        unit,
        "column_rules",
        national_rules=NATIONAL_RULES,
        publish_within=int(rules["PUBLISH_WITHIN_WORKING_DAYS"]),
        normative_years=int(rules["NORMATIVE_MAX_YEARS"]),
        provisional_years=int(rules["PROVISIONAL_MAX_YEARS"]),
        reply_days=REPLY_WORKING_DAYS,
        extension_days=EXTENSION_WORKING_DAYS,
        page_obj=page,
    )
    return render(request, "portal/column/rules.html", context)


def column_category(request: HttpRequest, category: str, code: str | None = None) -> HttpResponse:
    """Statutory proactive content of one of the fifteen Art. 20 categories."""
    unit = _unit_or_404(code)
    if category not in Art20Category.values:
        raise Http404(_("There is no such category."))
    form, chosen = _unit_filter(request, unit)
    documents = selectors.category_documents(category, chosen)
    page = _page(documents, request.GET.get("page"), DOCUMENTS_PER_PAGE)
    context = _context(
        request,
        unit,
        "category",
        category=category,
        heading=capfirst(Art20Category(category).label),
        form=form,
        page_obj=page,
    )
    return render(request, "portal/column/category.html", context)


def column_key_area(request: HttpRequest, area: str, code: str | None = None) -> HttpResponse:
    """Published documents of one key area (R-5.1): employment, enrolment, medical care,
    environment, land acquisition, housing expropriation."""
    unit = _unit_or_404(code)
    if area not in KeyArea.values:
        raise Http404(_("There is no such key area."))
    form, chosen = _unit_filter(request, unit)
    page = _page(
        selectors.key_area_documents(area, chosen), request.GET.get("page"), DOCUMENTS_PER_PAGE
    )
    context = _context(
        request,
        unit,
        "key_area",
        area=area,
        heading=capfirst(KeyArea(area).label),
        form=form,
        page_obj=page,
    )
    return render(request, "portal/column/key_area.html", context)


VALIDITY_IN_FORCE = "in_force"
VALIDITY_ALL = "all"


class PolicyFilterForm(UnitFilterForm):
    """Filters of the policy-document library. "In force only" is the default: it holds
    unless "all" is chosen. Invalid values are reported and ignored."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", _("All policy documents")),
            *[(k.value, capfirst(k.label)) for k in selectors.POLICY_KINDS],
            (DocumentKind.INTERPRETATION.value, capfirst(DocumentKind.INTERPRETATION.label)),
        ],
        error_messages={"invalid_choice": _("There is no such kind of document.")},
    )
    topic = forms.ChoiceField(
        label=_("Topic"),
        required=False,
        choices=[("", _("All topics")), *[(t.value, capfirst(t.label)) for t in Topic]],
        error_messages={"invalid_choice": _("There is no such topic.")},
    )
    year = forms.TypedChoiceField(
        label=_("Year signed"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("There are no documents from that year.")},
    )
    validity = forms.ChoiceField(
        label=_("Validity"),
        required=False,
        initial=VALIDITY_IN_FORCE,
        choices=[
            (VALIDITY_IN_FORCE, _("In force only")),
            (VALIDITY_ALL, _("All, including those no longer in force")),
        ],
        error_messages={"invalid_choice": _("Choose “in force only” or “all”.")},
    )

    def __init__(self, *args: Any, years: list[int], with_unit: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year_field: Any = self.fields["year"]
        year_field.choices = [("", _("All years"))] + [(str(y), str(y)) for y in years]
        if not with_unit:
            del self.fields["unit"]


def column_policies(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The policy-document library (政策文件库): rules, normative and policy documents with
    their interpretations; by unit, kind, topic and year; in force only unless asked."""
    unit = _unit_or_404(code)
    units = [] if unit else list(unit_selectors.public_unit_list())
    form = PolicyFilterForm(
        request.GET or None,
        units=units,
        years=selectors.policy_years(unit),
        with_unit=unit is None,
    )
    filters = form.filters() if form.is_bound else {}
    chosen = unit or next((u for u in units if u.code == filters.get("unit")), None)
    documents = selectors.policy_documents(
        chosen,
        kind=filters.get("kind", ""),
        topic=filters.get("topic", ""),
        year=filters.get("year"),
        in_force_only=filters.get("validity") != VALIDITY_ALL,
    )
    page = _page(documents, request.GET.get("page"), DOCUMENTS_PER_PAGE)
    context = _context(request, unit, "column_policies", form=form, page_obj=page)
    return render(request, "portal/column/policies.html", context)


def column_annual_reports(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Annual reports on disclosure work (Art. 49–50; issue #6 §5): the reports published on
    the platform, newest year first (the platform's column: the government's report of each
    year, then its units'), then the older annual reports published as documents in the
    library. The URL ``/column/annual-reports/`` is stable."""
    from gongkai.annual_reports import selectors as report_selectors
    from gongkai.annual_reports.views_public import report_url

    unit = _unit_or_404(code)
    reports = report_selectors.published_reports(unit).defer(
        "published_data", "imported_tables", "overview", "problems", "other_matters"
    )
    years: list[dict[str, Any]] = []
    for report in reports:
        if not years or years[-1]["year"] != report.year:
            years.append({"year": report.year, "reports": []})
        report_unit = report.unit
        years[-1]["reports"].append(
            {
                "report": report,
                "unit": report_unit,
                "title": str(report),
                "url": report_url(report.year, report_unit.code if report_unit else None),
            }
        )
    for year in years:  # the government's report first, then the units' in code order
        year["reports"].sort(key=lambda item: (item["unit"] is not None,))
    page = _page(
        selectors.annual_report_documents(unit), request.GET.get("page"), DOCUMENTS_PER_PAGE
    )
    context = _context(request, unit, "column_annual_reports", page_obj=page, report_years=years)
    return render(request, "portal/column/annual_reports.html", context)
