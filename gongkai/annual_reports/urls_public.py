"""Public addresses of the annual reports (issue #6 §5), mounted at ``/annual-reports/``.

Permanent: ``/annual-reports/<year>/`` (the government's report), ``/annual-reports/<year>/<unit
code>/`` (a unit's), and ``report.docx|pdf|xlsx`` under either for the files.
"""

from django.urls import path, re_path

from gongkai.annual_reports import views_public

app_name = "annual_reports_public"
urlpatterns = [
    path("<int:year>/", views_public.report_detail, name="government"),
    re_path(
        r"^(?P<year>[0-9]{4})/report\.(?P<fmt>docx|pdf|xlsx)$",
        views_public.report_download,
        name="government_download",
    ),
    path("<int:year>/<str:code>/", views_public.report_detail, name="unit"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<code>[A-Z][A-Z0-9]{1,15})/report\.(?P<fmt>docx|pdf|xlsx)$",
        views_public.report_download,
        name="unit_download",
    ),
]
