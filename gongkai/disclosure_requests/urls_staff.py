"""Back-office pages of disclosure requests (issue #5 §2–§6, §8–§11), under
``/backoffice/requests/``. Each action on a request is a POST to its own URL, named after
the action (``requests_staff:clarification_request``, …; see ``views_staff.ACTIONS``)."""

from django.urls import path

from gongkai.disclosure_requests import views_staff as views

app_name = "requests_staff"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("due/", views.due_lists, name="due"),
    path("register/", views.register, name="register"),
    path("registered/", views.registered, name="registered"),
    path("repeated/", views.repeated, name="repeated"),
    path("<str:tracking_number>/", views.detail, name="detail"),
    path("<str:tracking_number>/personal-data/", views.personal_data, name="personal_data"),
    path(
        "<str:tracking_number>/attachments/<int:pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "<str:tracking_number>/released/<int:pk>/",
        views.released_file_download,
        name="released_file_download",
    ),
    path(
        "<str:tracking_number>/letter.<str:fmt>",
        views.letter_download,
        name="letter_download",
    ),
    path(
        "<str:tracking_number>/notice/<str:kind>.<str:fmt>",
        views.notice_download,
        name="notice_download",
    ),
    *(
        path(
            f"<str:tracking_number>/{name.replace('_', '-')}/",
            views.action,
            {"name": name},
            name=name,
        )
        for name in views.ACTIONS
    ),
]
