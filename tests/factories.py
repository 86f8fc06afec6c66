"""factory_boy factories for the directory and access models (tests only)."""

from datetime import date, timedelta

import factory
from django.conf import settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.models import AccessRequest, Role, User
from audit.writer import Actor
from directory.models import (
    Carer,
    Child,
    Involvement,
    LocalAuthority,
    Organisation,
    Practitioner,
)

from .software_key import SoftwareKey


class LocalAuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LocalAuthority
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"E0{n:07d}")
    name = factory.Sequence(lambda n: f"Authority {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.SCHOOL
    code = factory.Sequence(lambda n: f"ORG{n:06d}")
    local_authority = factory.SubFactory(LocalAuthorityFactory)
    accredited = True
    sensitive_service = False
    phone = "0113 496 0000"
    email = factory.Sequence(lambda n: f"office{n}@example.org")


def _recent() -> date:
    return timezone.localdate() - timedelta(days=30)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.PRACTITIONER
    job_title = "Class teacher"
    phone = "0113 496 0001"
    dbs_certificate_number = factory.Sequence(lambda n: f"00{n:010d}")
    dbs_checked_on = factory.LazyFunction(_recent)
    training_completed_on = factory.LazyFunction(_recent)
    agreement_signed_on = factory.LazyFunction(_recent)
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):
        if create:
            TOTPDevice.objects.create(user=self, name="Authenticator app", confirmed=True)

    @factory.post_generation
    def security_key(self, create, extracted, **kwargs):
        """A user whose role must sign in with a security key has one, as they would have in
        production (``WEBAUTHN_REQUIRED_ROLES``): the key of ``SoftwareKey(username)``, which
        tests and the browser's virtual authenticator can use. ``security_key=False`` makes
        one who has not added it yet; ``security_key=True`` gives any role a key."""
        if not create or extracted is False:
            return
        if extracted or self.role in settings.WEBAUTHN_REQUIRED_ROLES:
            SoftwareKey(self.username).credential_for(self)


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = date(2015, 3, 27)
    gender = Child.Gender.FEMALE
    address_line_1 = "1 High Street"
    town = "Leeds"
    postcode = "LS1 4AP"
    local_authority = factory.SubFactory(LocalAuthorityFactory)


class CarerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Carer

    child = factory.SubFactory(ChildFactory)
    given_name = factory.Faker("first_name")
    family_name = factory.SelfAttribute("child.family_name")
    relationship = "Mother"
    parental_responsibility = True
    phone = "07700 900001"


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Faker("name")
    job_title = "Class teacher"
    phone = "0113 496 0100"
    email = factory.Sequence(lambda n: f"practitioner{n}@example.org")


class InvolvementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Involvement

    child = factory.SubFactory(ChildFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Involvement.Role.SCHOOL
    started_on = date(2020, 9, 1)


def actor_for(user: User) -> Actor:
    """The actor a test writes events for ``user`` as, from a documentation address."""
    return Actor(
        user_id=user.pk,
        username=user.username,
        role=user.role,
        organisation_id=user.organisation_id,
        ip_address="192.0.2.20",
        user_agent="pytest",
    )


class GrantFactory(factory.django.DjangoModelFactory):
    """A break-glass request granted now for an hour, waiting for its supervisor's judgement.

    Give ``requester``, ``supervisor`` and ``child``; override the times, kind or status for
    the case under test."""

    class Meta:
        model = AccessRequest

    kind = AccessRequest.Kind.EMERGENCY
    reason = AccessRequest.Reason.IMMEDIATE_RISK
    justification = "x" * 50
    status = AccessRequest.Status.GRANTED
    granted_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda grant: grant.granted_at + timedelta(hours=1))
    judgement = AccessRequest.Judgement.PENDING


def children_crowd(local_authority, size: int, *, postcode: str = "LS2 7QQ") -> None:
    """``size`` children of ``local_authority`` whom nobody in a test knows, each with a family
    name of its own (``Crowd<n>``) at one postcode, bulk-created: an authority large enough
    for misuse review's chance of one namesake or neighbour to be small, as in a real one."""
    Child.objects.bulk_create(
        ChildFactory.build(
            family_name=f"Crowd{n}",
            given_name="Lee",
            postcode=postcode,
            local_authority=local_authority,
        )
        for n in range(size)
    )
