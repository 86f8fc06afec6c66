"""Role ceilings (issue 14, finding 2): what an organisation may hold depends on what it is.

A school's admin made a teacher a child-protection practitioner, and she could then override
a shield. Now a school cannot hold child protection, data manager or auditor: the model
refuses it on every save, the admin form does not offer it, and the gateway refuses a shield
override by anyone whose organisation may not hold the role.

Personas beyond ``shield_world``: olive, organisation admin of school A; cora, a teacher at
school A made a child-protection practitioner around the model (a row from before the
ceilings) — the one who must not see the shielded child's details.
"""

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from access.models import ROLE_CEILINGS, ProvisioningRequest, Role, User, roles_allowed_for
from access.services import org_admin_grant
from audit.models import AccessEvent
from directory.demo.world import world_build
from directory.models import Organisation
from tests.factories import UserFactory

from .admin_forms import change_url, user_form
from .past_ceiling import user_past_ceiling

AUTHORITY_ROLES = [Role.CHILD_PROTECTION_PRACTITIONER, Role.DATA_MANAGER, Role.AUDITOR]
REASON = "Hospital reports a non-accidental injury; I must reach the GP and carer tonight."
PRIVATE = ("12 Refuge Road", "07700 900123", "Dr Priya Shah")


@pytest.fixture
def cora(shield_world):
    return user_past_ceiling(
        username="cora",
        organisation=shield_world.school_a,
        role=Role.CHILD_PROTECTION_PRACTITIONER,
        supervisor=shield_world.sam,
    )


def _role_choices(page: str) -> set[str]:
    select = re.search(r'<select name="role".*?</select>', page, re.S).group(0)
    return set(re.findall(r'<option value="([^"]+)"', select))


# --- The model refuses, whoever saves -------------------------------------------------------


@pytest.mark.parametrize("role", AUTHORITY_ROLES)
def test_it_refuses_to_save_a_school_user_in_an_authority_role(world, role):
    world.alice.role = role
    with pytest.raises(ValidationError, match="cannot hold the role"):
        world.alice.save()
    world.alice.refresh_from_db()
    assert world.alice.role == Role.PRACTITIONER


def test_it_refuses_to_move_a_child_protection_practitioner_into_a_school(shield_world):
    cara = shield_world.cara
    cara.organisation = shield_world.school_a
    with pytest.raises(ValidationError):
        cara.save(update_fields=["organisation"])
    cara.refresh_from_db()
    assert cara.organisation == shield_world.council


def test_it_names_the_roles_a_school_may_hold_when_cleaning(world):
    world.alice.role = Role.CHILD_PROTECTION_PRACTITIONER
    with pytest.raises(ValidationError) as refused:
        world.alice.full_clean(exclude=["password"])
    message = refused.value.message_dict["role"][0]
    assert "Hillside Primary School (School) cannot hold the role" in message
    assert "Child-protection practitioner" in message.split("Roles they may hold")[0]
    assert "Supervisor" in message.split("Roles they may hold")[1]


def test_it_lets_a_councils_childrens_services_hold_the_authority_roles(world):
    for role in AUTHORITY_ROLES:
        world.dora.role = role
        world.dora.full_clean(exclude=["password"])
        world.dora.save()
    assert User.objects.get(pk=world.dora.pk).role == Role.AUDITOR


def test_it_keeps_system_admins_out_of_every_organisation(world):
    world.ada.organisation = world.council
    with pytest.raises(ValidationError):
        world.ada.save()


def test_it_still_records_a_sign_in_of_a_user_from_before_the_ceilings(shield_world, cora):
    cora.save(update_fields=["last_login"])


def test_it_has_a_ceiling_for_every_kind_of_organisation():
    assert set(ROLE_CEILINGS) == set(Organisation.Kind.values) | {None}


def test_it_keeps_every_demo_persona_within_its_ceiling():
    world = world_build(children=60, seed=3, today=date.today())
    kinds = {row.code: (row.name, row.kind) for row in world.organisations}
    for persona in world.personas:
        organisation = None
        if persona.organisation:
            name, kind = kinds[persona.organisation]
            organisation = Organisation(name=name, kind=kind)
        assert persona.role in roles_allowed_for(organisation), persona.username


# --- Admin offers only what fits -----------------------------------------------------------


def test_it_offers_a_school_admin_only_the_roles_a_school_may_hold(world, as_user, olive):
    page = as_user(olive).get(change_url(world.alice)).content.decode()
    assert _role_choices(page) == {
        Role.PRACTITIONER,
        Role.SUPERVISING_PRACTITIONER,
        Role.SUPERVISOR,
    }


def test_it_ignores_a_school_admin_posting_child_protection(world, as_user, olive):
    form = user_form(world.alice, role=Role.CHILD_PROTECTION_PRACTITIONER)
    response = as_user(olive).post(change_url(world.alice), form)
    assert response.status_code == 200
    world.alice.refresh_from_db()
    assert world.alice.role == Role.PRACTITIONER


def test_it_tells_a_system_admin_why_a_school_cannot_hold_the_role(world, as_user):
    form = user_form(world.alice, role=Role.DATA_MANAGER)
    response = as_user(world.ada).post(change_url(world.alice), form)
    assert response.status_code == 200
    assert "cannot hold the role “Local-authority data manager”" in response.content.decode()
    world.alice.refresh_from_db()
    assert world.alice.role == Role.PRACTITIONER


def test_it_lets_a_system_admin_make_a_council_social_worker_child_protection(
    world, as_user, stepped_up
):
    """The ceiling allows it; like every reader role it waits for a second approver (here the
    council's own admin, see tests/access/test_provisioning.py)."""
    form = user_form(world.dora, role=Role.CHILD_PROTECTION_PRACTITIONER)
    response = as_user(world.ada).post(change_url(world.dora), form)
    assert response.status_code == 302
    council_admin = UserFactory(
        username="connie", organisation=world.council, role=Role.ORG_ADMIN, is_staff=True
    )
    org_admin_grant(user=council_admin, organisation=world.council)
    pending = ProvisioningRequest.objects.get(target=world.dora)
    url = reverse("admin:provisioning_decision", args=[pending.pk])
    stepped_up(council_admin).post(url, {"decision": "approve", "note": ""})
    world.dora.refresh_from_db()
    assert world.dora.role == Role.CHILD_PROTECTION_PRACTITIONER


# --- The gateway refuses the shield override on its own -------------------------------------


def _override_url(child) -> str:
    return f"/children/{child.public_id}/override/"


def test_it_refuses_a_shield_override_by_child_protection_held_at_a_school(
    shield_world, cora, stepped_up
):
    client = stepped_up(cora)
    page = client.get(_override_url(shield_world.maya))
    assert page.status_code == 403
    response = client.post(
        _override_url(shield_world.maya),
        {"purpose": "safeguarding_concern", "reason": REASON, "once": "x"},
    )
    assert response.status_code == 403
    assert not any(detail.encode() in response.content for detail in PRIVATE)
    assert not AccessEvent.objects.filter(action="shield_override").exists()
    assert AccessEvent.objects.filter(action="shield_denied", actor_id=cora.pk).count() == 2


def test_it_offers_the_override_to_the_councils_child_protection_only(shield_world, cora, as_user):
    record = f"/children/{shield_world.maya.public_id}/?purpose=referral"
    assert b"Override the shield" in as_user(shield_world.cara).get(record).content
    assert b"Override the shield" not in as_user(cora).get(record).content
