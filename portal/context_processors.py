from django.conf import settings


def portal(request):
    return {
        "privacy_notice_version": settings.PRIVACY_NOTICE_VERSION,
        "portal_contact_email": settings.PORTAL_CONTACT_EMAIL,
    }
