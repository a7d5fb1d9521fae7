from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from community import views as community_views

admin.site.site_header = _("City Managers Community — Secretariat")
admin.site.site_title = _("Secretariat")
admin.site.index_title = _("Secretariat administration")

urlpatterns = [
    path("", community_views.HomeView.as_view(), name="home"),
    path("healthz", community_views.healthz, name="healthz"),
    path("i18n/setlang/", community_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/signup/", community_views.SignupView.as_view(), name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("", include("community.urls")),
    path("", include("mailings.urls")),
    path("", include("surveys.urls")),
]
