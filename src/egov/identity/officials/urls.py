"""URL patterns of the officials pages (part of the identity namespace): the second login step
and the management of officials and their roles."""

from django.urls import URLPattern, path

from . import login, views

urlpatterns: list[URLPattern] = [
    path("login/verify/", login.verify, name="login_verify"),
    path("login/unlock/", login.unlock, name="unlock"),
    path("login/forgot/", login.forgot_password, name="forgot_password"),
    path("officials/", views.index, name="officials"),
    path("officials/<str:code>/", views.agency, name="officials_agency"),
    path("officials/<str:code>/new/", views.create, name="officials_create"),
    path("officials/<str:code>/grant/", views.grant, name="officials_grant"),
    path("officials/<str:code>/revoke/", views.revoke, name="officials_revoke"),
    path(
        "officials/<str:code>/<int:user_id>/reset-two-factor/",
        views.reset_two_factor,
        name="officials_reset_two_factor",
    ),
]
