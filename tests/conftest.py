"""Named personas shared by every test (after healthchecks' alice, bob and charlie).

- alice: practitioner at school A (Leeds)
- bob: alice's colleague at school A
- charlie: practitioner at school B (Leeds), no involvement with alice's children
- dora: social worker at Leeds children's services (local-authority scope)
- sam: supervisor of alice and bob
- ada: system admin, no child access
- maya: child: at school A, lives in Leeds
- kent_child: lives in Kent, known to nobody in these personas

Tests about dates (working days, vetting expiry, the demo month, review windows) are marked
``calendar``: they run with the clock pinned (``clock``), so they give the same answer on any
day, and ``tests/calendar_sweep.py`` runs them again on the awkward days.
"""

import os
from datetime import date, datetime, time
from time import time as epoch_seconds
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.models import Role
from access.sign_in.second_factor_binding import second_factor_bind
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
    session.save()  # the key exists from here; the binding is made with it
    second_factor_bind(session, user_id=user.pk)
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


# --- the clock --------------------------------------------------------------------------------

TEST_DATE_VARIABLE = "CONTACTPOINT_TEST_DATE"
# Wednesday 13 January 2027, mid-morning in London: a working day away from any weekend, month
# end, bank holiday or clock change, so that CI gives the same answer every day of the year.
DEFAULT_TEST_INSTANT = "2027-01-13T10:30:00"


def pinned_instant(raw: str | None = None) -> datetime:
    """The instant calendar tests start at: ``CONTACTPOINT_TEST_DATE`` if set (an ISO date,
    read as noon, or an ISO date and time, read in Europe/London unless it carries an offset),
    else ``DEFAULT_TEST_INSTANT``."""
    raw = (os.environ.get(TEST_DATE_VARIABLE, "") if raw is None else raw).strip()
    raw = raw or DEFAULT_TEST_INSTANT
    london = ZoneInfo(settings.TIME_ZONE)
    try:
        if len(raw) == len("YYYY-MM-DD"):
            return datetime.combine(date.fromisoformat(raw), time(12), tzinfo=london)
        moment = datetime.fromisoformat(raw)
    except ValueError as error:
        raise pytest.UsageError(f"{TEST_DATE_VARIABLE}={raw!r} is not an ISO date") from error
    return moment.replace(tzinfo=london) if moment.tzinfo is None else moment.astimezone(london)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """A test that asks for ``clock`` is about dates: mark it, so ``-m calendar`` finds it."""
    for item in items:
        if "clock" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.calendar)


@pytest.fixture(autouse=True)
def _pinned_clock(request):
    """Pins the clock for tests marked ``calendar`` before any of their data is built; it
    ticks on from there. Only there: PostgreSQL's now(), Redis's expiry and the browser keep
    the real time, so a pinned clock elsewhere would set them against each other."""
    if request.node.get_closest_marker("calendar") is None:
        yield None
        return
    instant = pinned_instant()
    with time_machine.travel(instant, tick=True):
        yield instant


@pytest.fixture
def clock(_pinned_clock) -> datetime:
    """The instant (Europe/London) this calendar test started at; ``timezone.now()`` and
    ``timezone.localdate()`` follow it."""
    return _pinned_clock


@pytest.fixture
def stepped_up(as_user):
    """A client whose second factor was re-entered just now."""

    def make(user):
        client = as_user(user)
        session = client.session
        session["cp_step_up_at"] = epoch_seconds()
        session.save()
        return client

    return make
