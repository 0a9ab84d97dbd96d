"""Back-office pages of annual reports (issue #6), under ``/backoffice/annual-reports/``.

A report's URL names its scope — a unit's code, or ``government`` for the government's
report — and its year; each workflow step is a POST to its own URL."""

from django.urls import path

from gongkai.annual_reports import views_staff as views

app_name = "annual_reports_staff"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("open/", views.report_open, name="open"),
    path("overview/", views.office_overview, name="overview"),
    path("import/", views.import_page, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("<str:scope>/<int:year>/", views.report_detail, name="report"),
    path("<str:scope>/<int:year>/edit/", views.report_edit, name="edit"),
    path(
        "<str:scope>/<int:year>/cells/<str:part>/<str:row>/<str:column>/",
        views.cell_detail,
        name="cell",
    ),
    path("<str:scope>/<int:year>/report.<str:fmt>", views.report_download, name="download"),
    *(
        path(f"<str:scope>/<int:year>/{name}/", views.report_action, {"name": name}, name=name)
        for name in views.ACTIONS
    ),
]
