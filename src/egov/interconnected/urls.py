from django.urls import path

from . import views

app_name = "interconnected"
urlpatterns = [
    path("lien-thong/", views.groups, name="groups"),
    path("lien-thong/tra-cuu/", views.track, name="track"),
    path("lien-thong/<str:code>/nop/", views.apply, name="apply"),
    path("lien-thong/ho-so/<int:application_id>/", views.application, name="application"),
    path("lien-thong/ho-so/<int:application_id>/rut/", views.withdraw, name="withdraw"),
    path("lien-thong/ho-so/<int:application_id>/le-phi/", views.pay, name="pay"),
    path(
        "lien-thong/ho-so/<int:application_id>/phieu-tiep-nhan.pdf",
        views.receipt,
        name="receipt",
    ),
]
