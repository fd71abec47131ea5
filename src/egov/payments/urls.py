from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("dossiers/<int:dossier_id>/fees/", views.dossier_fees, name="fees"),
    path("dossiers/<int:dossier_id>/fees/claim/", views.claim, name="claim"),
    path("dossiers/<int:dossier_id>/fees/pay/", views.pay, name="pay"),
    path("dossiers/<int:dossier_id>/fees/counter/", views.counter, name="counter"),
    path("payments/sandbox/bank/", views.sandbox_bank, name="sandbox_bank"),
    path("payments/return/<str:provider>/", views.provider_return, name="return"),
    path("payments/notify/<str:provider>/", views.provider_notification, name="notify"),
    path("payments/<str:reference>/", views.detail, name="detail"),
    path("payments/<str:reference>/receipt.pdf", views.receipt, name="receipt"),
]
