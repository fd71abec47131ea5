from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("van-ban/", views.register, name="inbox"),
    path("van-ban/so/<str:direction>/", views.register, name="register"),
    path("van-ban/so/<str:direction>/xlsx/", views.register_xlsx, name="register_xlsx"),
    path("van-ban/soan/", views.compose, name="compose"),
    path("van-ban/nhap/", views.import_file, name="import"),
    path("van-ban/chua-gui-duoc/", views.undelivered, name="undelivered"),
    path("van-ban/<int:document_id>/", views.document, name="document"),
    path("van-ban/<int:document_id>/buoc/", views.act, name="act"),
    path("van-ban/<int:document_id>/edxml/", views.export, name="export"),
    path("van-ban/<int:document_id>/tep/<int:attachment_id>/", views.attachment, name="attachment"),
]
