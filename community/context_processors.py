from django.conf import settings


def portal(request):
    return {
        "current_member": getattr(request, "member", None),
        "privacy_notice_version": settings.PRIVACY_NOTICE_VERSION,
        "portal_contact_email": settings.PORTAL_CONTACT_EMAIL,
    }
