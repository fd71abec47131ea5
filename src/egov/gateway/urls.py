from django.urls import path

from . import views

app_name = "gateway"
urlpatterns = [
    path("chia-se-du-lieu/", views.catalogue, name="catalogue"),
    path("chia-se-du-lieu/<str:agency>/<str:system>/<str:code>/", views.service, name="service"),
    path("backoffice/chia-se-du-lieu/", views.operations, name="operations"),
]
