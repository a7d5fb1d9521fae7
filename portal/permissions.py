"""Staff permissions read from the cache instead of two queries on every staff request (one cache round trip).

Django's ``ModelBackend`` reads a user's permissions (their own, then their groups') with two joined
queries per request. ``CachedPermissions`` comes first in ``AUTHENTICATION_BACKENDS`` and puts the three
sets ModelBackend keeps on the user object (``_user_perm_cache``, ``_group_perm_cache``, ``_perm_cache``)
there from the cache, so ModelBackend and allauth's backend (a ModelBackend) answer without a query.
It checks no password, so sessions still name the backend that signed the user in.

A cached set is dropped at once when a membership or a grant changes (``m2m_changed`` of a user's
groups or permissions and of a group's permissions, and the save or delete of a group or a
permission): a removed permission stops working on the next request. Other writes (a data migration's
grants, raw SQL) are picked up after ``PERMISSIONS_CACHE_SECONDS`` (60). The key holds the user's id
and superuser flag (a superuser holds every permission); an inactive user holds none and nothing is read.
"""


from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .generations import Generation

GENERATION = Generation("portal:permissions:generation")
NAMES = ("_user_perm_cache", "_group_perm_cache", "_perm_cache")


class CachedPermissions(ModelBackend):
    """ModelBackend's permissions, from the cache. It checks no password (``authenticate`` gives
    None: ModelBackend and allauth's backend do that), but loads a session's user like ModelBackend,
    so that ``force_login`` (which names the first backend) keeps working."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        return None

    def get_user_permissions(self, user_obj, obj=None):
        return self._cached(user_obj, obj, "_user_perm_cache")

    def get_group_permissions(self, user_obj, obj=None):
        return self._cached(user_obj, obj, "_group_perm_cache")

    def get_all_permissions(self, user_obj, obj=None):
        return self._cached(user_obj, obj, "_perm_cache")

    @staticmethod
    def _cached(user_obj, obj, name):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return set()
        if not hasattr(user_obj, name):
            _load(user_obj)
        return getattr(user_obj, name)


def _key(generation, user) -> str:
    return f"portal:permissions:{generation}:{user.pk}:{int(user.is_superuser)}"


def _load(user) -> None:
    generation, found = GENERATION.current_and_entry(lambda value: _key(value, user))
    key = _key(generation, user)
    if isinstance(found, tuple) and len(found) == len(NAMES):
        for name, perms in zip(NAMES, found, strict=True):
            setattr(user, name, perms)
        return
    backend = ModelBackend()
    found = (backend.get_user_permissions(user), backend.get_group_permissions(user),
             backend.get_all_permissions(user))
    cache.set(key, found, settings.PERMISSIONS_CACHE_SECONDS)


def permissions_changed() -> None:
    """Forget every user's permissions: now, and again once the change commits."""
    GENERATION.renew()


def _connect():
    from django.contrib.auth import get_user_model

    user = get_user_model()
    for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"permissions-{through._meta.label}")
        post_save.connect(_changed, sender=through, dispatch_uid=f"permissions-saved-{through._meta.label}")
        post_delete.connect(_changed, sender=through, dispatch_uid=f"permissions-deleted-{through._meta.label}")


@receiver(post_save, sender=Group, dispatch_uid="permissions-group-saved")
@receiver(post_delete, sender=Group, dispatch_uid="permissions-group-deleted")
@receiver(post_save, sender=Permission, dispatch_uid="permissions-saved")
@receiver(post_delete, sender=Permission, dispatch_uid="permissions-deleted")
def _changed(sender, **kwargs):
    permissions_changed()
