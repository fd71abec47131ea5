from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("regimes/new/", views.define, name="define"),
    path("regimes/<int:regime_id>/", views.regime, name="regime"),
    path("regimes/<int:regime_id>/edit/", views.edit, name="edit"),
    path("regimes/<int:regime_id>/remind/", views.remind, name="remind"),
    path("regimes/<int:regime_id>/export.<str:extension>", views.export, name="export"),
    path("reports/<int:report_id>/", views.report, name="report"),
]
