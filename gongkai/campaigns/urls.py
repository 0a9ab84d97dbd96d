"""Public URLs; included as ``path("campaigns/", include("gongkai.campaigns.urls"))``."""

from django.urls import path

from gongkai.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.results_list, name="results_list"),
    path("<int:pk>/", views.results, name="results"),
]
