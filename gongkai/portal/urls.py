from django.urls import path

from gongkai.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("units/", views.unit_directory, name="unit_directory"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
]
