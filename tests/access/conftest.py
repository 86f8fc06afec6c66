"""Fixtures for the cloaking and shielding tests: personas around a shielded child, on top
of the shared ``world``, and a client that has just stepped up.

- maya (shielded): at school A, lives in Leeds, has a carer and a GP
- dee, dan: data managers of Leeds children's services (dan is dee's second pair of eyes)
- kent_dm: data manager of Kent's children's services
- school_dm: a data manager employed by school A, not by a local authority (a row from before
  role ceilings, which no save allows now: the gateway must still refuse it)
- cara: child-protection practitioner at Leeds children's services, supervised by vic
- vic: cara's supervisor
- kent_cp: child-protection practitioner at Kent children's services (Leeds is out of scope)
"""

from types import SimpleNamespace

import pytest

from access.models import Role
from access.services import org_admin_grant
from directory.models import Organisation
from tests.factories import (
    CarerFactory,
    InvolvementFactory,
    OrganisationFactory,
    PractitionerFactory,
    UserFactory,
)

from .past_ceiling import user_past_ceiling


@pytest.fixture
def shield_world(world):
    maya = world.maya
    maya.shielded = True
    maya.address_line_1 = "12 Refuge Road"
    maya.save()
    CarerFactory(child=maya, given_name="Grace", phone="07700 900123")
    gp = OrganisationFactory(
        name="Park Lane Surgery", kind=Organisation.Kind.GP_PRACTICE, local_authority=world.leeds
    )
    doctor = PractitionerFactory(organisation=gp, name="Dr Priya Shah")
    InvolvementFactory(child=maya, organisation=gp, practitioner=doctor, role="gp")
    kent_council = OrganisationFactory(
        name="Kent Children's Services",
        kind=Organisation.Kind.LA_CHILDRENS_SERVICES,
        local_authority=world.kent,
    )
    vic = UserFactory(username="vic", organisation=world.council, role=Role.SUPERVISOR)

    def data_manager(username, organisation):
        return UserFactory(
            username=username,
            organisation=organisation,
            role=Role.DATA_MANAGER,
            job_title="ContactPoint data manager",
        )

    return SimpleNamespace(
        **vars(world),
        dee=data_manager("dee", world.council),
        dan=data_manager("dan", world.council),
        kent_dm=data_manager("kent_dm", kent_council),
        school_dm=user_past_ceiling(
            username="school_dm", organisation=world.school_a, role=Role.DATA_MANAGER
        ),
        vic=vic,
        cara=UserFactory(
            username="cara",
            organisation=world.council,
            role=Role.CHILD_PROTECTION_PRACTITIONER,
            job_title="Child protection lead",
            supervisor=vic,
        ),
        kent_cp=UserFactory(
            username="kent_cp",
            organisation=kent_council,
            role=Role.CHILD_PROTECTION_PRACTITIONER,
        ),
    )


@pytest.fixture
def olive(world):
    """An organisation admin as seed_demo makes one: staff, the role, one guardian grant."""
    olive = UserFactory(
        username="olive", organisation=world.school_a, role=Role.ORG_ADMIN, is_staff=True
    )
    org_admin_grant(user=olive, organisation=world.school_a)
    return olive
