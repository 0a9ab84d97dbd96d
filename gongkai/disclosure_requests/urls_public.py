"""Public pages of disclosure requests: apply, track (issue #5 §1, §7).

Mounted at ``/requests/`` (``/en/requests/`` in English); names ``requests_public:…``.
"""

from django.urls import path

from gongkai.disclosure_requests import views_public as views

app_name = "requests_public"
urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply, name="apply"),
    path("apply/submitted/<str:tracking_number>/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("track/<str:tracking_number>/", views.status, name="status"),
    path("track/<str:tracking_number>/clarify/", views.clarify, name="clarify"),
    path("track/<str:tracking_number>/forget/", views.forget, name="forget"),
    path("track/<str:tracking_number>/withdraw/", views.withdraw, name="withdraw"),
    path("track/<str:tracking_number>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path("track/<str:tracking_number>/letter.docx", views.letter_docx, name="letter_docx"),
    path("track/<str:tracking_number>/notice/<str:kind>.pdf", views.notice, name="notice"),
    path(
        "track/<str:tracking_number>/files/<int:pk>/",
        views.released_file,
        name="released_file",
    ),
]
