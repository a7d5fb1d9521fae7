"""A URLconf for the admin's browser test: the portal's URLs plus one admin page that uses the
widgets the portal's own admins do not (yet): inlines, date and time widgets, a collapsible
fieldset, a two-list selector. Served under /admin/, with the same templates and policy."""

from django.contrib import admin
from django.db import models
from django.urls import path

from community.models import Member, Organisation, User
from config.urls import urlpatterns as portal_urlpatterns

site = admin.AdminSite(name="widgets_admin")


class MemberInline(admin.StackedInline):
    model = Member
    fk_name = "organisation"
    extra = 1
    fields = ["user", "job_title", "privacy_consented_at", "status_changed_at"]
    raw_id_fields = ["user"]


@admin.register(Organisation, site=site)
class OrganisationWidgetsAdmin(admin.ModelAdmin):
    inlines = [MemberInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # as the portal's own admins
    fieldsets = (
        (None, {"fields": ["name", "country", "region", "kind"]}),
        ("More", {"classes": ["collapse"], "fields": ["population", "website"]}),
    )


@admin.register(User, site=site)
class UserWidgetsAdmin(admin.ModelAdmin):
    # No action bar: the changelist then carries Django's one inline <style>.
    actions = None
    actions_on_top = actions_on_bottom = False
    fields = ["email", "last_login", "date_joined", "groups"]
    filter_horizontal = ["groups"]


urlpatterns = [path("admin/widgets/", site.urls), *portal_urlpatterns]
