"""URL patterns of the account pages (part of the identity namespace)."""

from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    path("account/", views.account, name="account"),
    path("account/register/", views.register, name="register"),
    path("account/register/confirm/", views.register_confirm, name="register_confirm"),
    path("account/verify/", views.verify, name="account_verify"),
    path("account/registry-check/", views.registry_check, name="registry_check"),
    path("account/personal-data/", views.download, name="personal_data"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/notifications/", views.notifications, name="notifications"),
    path("account/tokens/<int:token_id>/revoke/", views.revoke_api_token, name="revoke_api_token"),
]
