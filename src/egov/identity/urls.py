from django.urls import path

from .account.urls import urlpatterns as account_patterns
from .officials.login import LoginView
from .officials.urls import urlpatterns as officials_patterns
from .oidc.urls import urlpatterns as oidc_patterns
from .oidc.views import LogoutView
from .organisations.urls import urlpatterns as organisations_patterns

app_name = "identity"
urlpatterns = [
    # The password, then for officials the second factor (identity:login_verify).
    path("login/", LoginView.as_view(), name="login"),
    # Also at the external identity provider, when the login came through it.
    path("logout/", LogoutView.as_view(), name="logout"),
    *oidc_patterns,
    *officials_patterns,
    *account_patterns,
    *organisations_patterns,
]
