from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from community import views as community_views
from portal import views as portal_views
from portal.admin_login import admin_login

admin.site.site_header = _("City Managers Community — Secretariat")
admin.site.site_title = _("Secretariat")
admin.site.index_title = _("Secretariat administration")
# Same rate limits and second factor as the site: the admin has no login form of its own.
admin.site.login = admin_login

urlpatterns = [
    path("", community_views.HomeView.as_view(), name="home"),
    path("healthz", portal_views.healthz, name="healthz"),
    path("i18n/setlang/", portal_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/signup/", community_views.SignupView.as_view(), name="account_signup"),
    path("accounts/2fa/totp/activate/", community_views.ActivateTOTPView.as_view(), name="mfa_activate_totp"),
    re_path(
        r"^accounts/confirm-email/(?P<key>[-:\w]+)/$",
        community_views.ConfirmEmailView.as_view(),
        name="account_confirm_email",
    ),
    path("accounts/", include("allauth.urls")),
    path("", include("community.urls")),
    path("", include("mailings.urls")),
    path("", include("surveys.urls")),
    path("", include("events.urls")),
]
