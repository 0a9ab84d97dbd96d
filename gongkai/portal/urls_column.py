"""URLs of the government-information column (政府信息公开专栏, issue #4 §1).

The platform's column lives under ``/column/``; each unit's column has the same pages under
``/units/<code>/column/``. The names are ``portal:column…`` and ``portal:unit_column…``.
``/column/annual-reports/`` is a stable address that issue #6 fills with generated reports.
"""

from django.urls import URLPattern, path

from gongkai.portal import column

# (path inside a column, view, name)
PAGES = (
    ("", column.column, "column"),
    ("guide/", column.column_guide, "column_guide"),
    ("rules/", column.column_rules, "column_rules"),
    ("categories/<str:category>/", column.column_category, "column_category"),
    ("key-areas/<str:area>/", column.column_key_area, "column_key_area"),
    ("policies/", column.column_policies, "column_policies"),
    ("annual-reports/", column.column_annual_reports, "column_annual_reports"),
)

urlpatterns: list[URLPattern] = [
    path(f"column/{route}", view, name=name) for route, view, name in PAGES
] + [
    path(f"units/<str:code>/column/{route}", view, name=f"unit_{name}")
    for route, view, name in PAGES
]
