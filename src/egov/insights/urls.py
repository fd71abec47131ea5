from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("co-quan/<str:code>/", views.agency_detail, name="agency"),
    path("xuat/<slug:slug>.<str:fmt>", views.export, name="export"),
]
