from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("phan-anh/", views.index, name="index"),
    path("phan-anh/gui/", views.send, name="send"),
    path("phan-anh/<str:code>/", views.detail, name="detail"),
    path("backoffice/phan-anh/", views.backoffice, name="backoffice"),
    path("backoffice/phan-anh/<str:code>/", views.answer, name="answer"),
]
