import pytest
from django.conf import settings

from community.models import SECRETARIAT_GROUP, MemberStatus, User

from .factories import PASSWORD, EditionFactory, MemberFactory, OrganisationFactory, UserFactory


def require_service(reason: str):
    """Skip when a real service is missing on a laptop; fail under .ci/run (PORTAL_REQUIRE_SERVICES=1)."""
    if settings.PORTAL_REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits live in the cache; each test starts with a clean slate.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def edition(db):
    return EditionFactory()


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Barcelona Metropolitan Area", country="ES")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Montréal", country="CA", region="north_america")


@pytest.fixture
def member(organisation):
    return MemberFactory(organisation=organisation, user__email="manager@barcelona.example")


@pytest.fixture
def pending_member(organisation):
    return MemberFactory(organisation=organisation, status=MemberStatus.PENDING, user__email="new@barcelona.example")


@pytest.fixture
def rejected_member(organisation):
    return MemberFactory(
        organisation=organisation, status=MemberStatus.REJECTED, user__email="no@barcelona.example"
    )


@pytest.fixture
def other_member(other_organisation):
    return MemberFactory(organisation=other_organisation, user__email="manager@montreal.example")


@pytest.fixture
def staff(db):
    from django.contrib.auth.models import Group

    user = UserFactory(email="staff@secretariat.example", is_staff=True)
    user.groups.add(Group.objects.get(name=SECRETARIAT_GROUP))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@secretariat.example", is_staff=True, is_superuser=True)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def broker_at(settings):
    """Point the settings and the Celery app at a broker for one test, and restore both after."""
    from config.celery_app import app

    previous = app.conf.broker_url

    def _point(url):
        settings.CELERY_BROKER_URL = url
        app.conf.broker_url = url

    yield _point
    app.conf.broker_url = previous
