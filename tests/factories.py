import factory
from django.conf import settings
from django.utils import timezone

from community.models import (
    Edition,
    EditionStatus,
    Member,
    MembershipInvitation,
    MemberStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Region,
    User,
)

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Give the user a verified primary email, as allauth requires for login."""
        if not create or extracted is False:
            return
        from allauth.account.models import EmailAddress

        self.save(update_fields=["password"])  # set_password above only set it on the instance
        # A user this factory has just created has no address yet: no get_or_create (and its savepoint).
        EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Metropolis {n}")
    country = "ES"
    region = Region.EUROPE
    kind = OrganisationKind.CITY
    population = 1_000_000
    status = OrganisationStatus.MEMBER


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    job_title = "City manager"
    preferred_language = "en"
    time_zone = "Europe/Madrid"
    privacy_notice_version = settings.PRIVACY_NOTICE_VERSION
    privacy_consented_at = factory.LazyFunction(timezone.now)
    status = MemberStatus.APPROVED


class MembershipInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MembershipInvitation

    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)


class EditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Edition
        django_get_or_create = ("year",)

    year = 2020
    theme = "Green infrastructure"
    description = "The 2020 edition."
    status = EditionStatus.OPEN
