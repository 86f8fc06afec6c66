"""Named personas shared by every test (after healthchecks' alice, bob and charlie).

- alice: practitioner at school A (Leeds)
- bob: alice's colleague at school A
- charlie: practitioner at school B (Leeds), no involvement with alice's children
- dora: social worker at Leeds children's services (local-authority scope)
- sam: supervisor of alice and bob
- ada: system admin, no child access
- maya: child: at school A, lives in Leeds
- kent_child: lives in Kent, known to nobody in these personas
"""

from types import SimpleNamespace

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.models import Role
from directory.models import Organisation

from .factories import (
    ChildFactory,
    InvolvementFactory,
    LocalAuthorityFactory,
    OrganisationFactory,
    UserFactory,
)


@pytest.fixture
def world(db):
    leeds = LocalAuthorityFactory(code="E08000035", name="Leeds")
    kent = LocalAuthorityFactory(code="E10000016", name="Kent")
    school_a = OrganisationFactory(name="Hillside Primary School", local_authority=leeds)
    school_b = OrganisationFactory(name="Riverside Academy", local_authority=leeds)
    council = OrganisationFactory(
        name="Leeds Children's Services",
        kind=Organisation.Kind.LA_CHILDRENS_SERVICES,
        local_authority=leeds,
    )
    sam = UserFactory(username="sam", organisation=school_a, role=Role.SUPERVISOR)
    alice = UserFactory(username="alice", organisation=school_a, supervisor=sam)
    bob = UserFactory(username="bob", organisation=school_a, supervisor=sam)
    charlie = UserFactory(username="charlie", organisation=school_b)
    dora = UserFactory(username="dora", organisation=council, job_title="Social worker")
    ada = UserFactory(username="ada", organisation=None, role=Role.SYSTEM_ADMIN, is_staff=True)
    maya = ChildFactory(given_name="Maya", family_name="Thompson", local_authority=leeds)
    InvolvementFactory(child=maya, organisation=school_a)
    kent_child = ChildFactory(
        given_name="Oliver",
        family_name="Thompson",
        local_authority=kent,
        town="Maidstone",
        postcode="ME14 1XX",
    )
    return SimpleNamespace(
        leeds=leeds,
        kent=kent,
        school_a=school_a,
        school_b=school_b,
        council=council,
        alice=alice,
        bob=bob,
        charlie=charlie,
        dora=dora,
        sam=sam,
        ada=ada,
        maya=maya,
        kent_child=kent_child,
    )


def verified_client(user) -> Client:
    """A test client signed in with password and a verified second factor."""
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def as_user():
    return verified_client


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters and other cached state never leak from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
