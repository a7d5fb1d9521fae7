"""The portal's admin site: Django's, with the sidebar's list of apps made only when a page shows it.

Every admin page put the list of every app and model in its context (a permission check and two
reversed URLs per model) for the sidebar; the sidebar is kept per process
(templates/admin/nav_sidebar.html, ``{% portal_sidebar_cache %}``), so most pages never read the list.
Installed as ``portal.admin_site.PortalAdminConfig`` in place of ``django.contrib.admin``;
``admin.site`` is then this site (config/urls.py sets its titles).
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.functional import SimpleLazyObject


class PortalAdminSite(admin.AdminSite):
    def each_context(self, request):
        # Django 5.2's, but "available_apps" is made when a template reads it
        # (tests/portal/test_admin_list.py compares the rest with Django's).
        script_name = request.META["SCRIPT_NAME"]
        site_url = script_name if self.site_url == "/" and script_name else self.site_url
        return {
            "site_title": self.site_title,
            "site_header": self.site_header,
            "site_url": site_url,
            "has_permission": self.has_permission(request),
            "available_apps": SimpleLazyObject(lambda: self.get_app_list(request)),
            "is_popup": False,
            "is_nav_sidebar_enabled": self.enable_nav_sidebar,
            "log_entries": self.get_log_entries(request),
        }


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"
