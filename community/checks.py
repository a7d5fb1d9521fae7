from django.conf import settings
from django.core.checks import Error, register


@register("security", deploy=False)
def staff_second_factor_required_in_production(app_configs, **kwargs):
    """Production never runs with staff two-factor authentication off (PORTAL_STAFF_REQUIRE_2FA)."""
    if getattr(settings, "PORTAL_PRODUCTION", False) and not settings.PORTAL_STAFF_REQUIRE_2FA:
        return [Error(
            "PORTAL_STAFF_REQUIRE_2FA is off in production: every staff account must use a second factor.",
            hint="Remove PORTAL_STAFF_REQUIRE_2FA from the environment (it defaults to true).",
            id="community.E001",
        )]
    return []
