"""Every lookup is explained by all the relations that hold, with their strength (issue 21):
the relations reviewers read beside each evidence event, and the unexplained-lookup detectors
count. Each case writes one view the way the gateway logs it and runs the explanation stage."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from access.models import ContactRequest, Role
from audit.models import LookupExplanation
from audit.review.pipeline import misuse_review_run
from audit.writer import Actor, PastEvent, access_events_load_synthetic
from tests.factories import ChildFactory, InvolvementFactory, PractitionerFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
MONDAY_10AM = datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)
Relation = LookupExplanation.Relation
Strength = LookupExplanation.Strength


def _explained(user, child) -> LookupExplanation:
    actor = Actor(
        user_id=user.pk, username=user.username, role=user.role,
        organisation_id=user.organisation_id, ip_address="10.0.0.1", user_agent="test",
    )  # fmt: skip
    access_events_load_synthetic(
        [PastEvent(occurred_at=MONDAY_10AM, actor=actor, action="view", outcome="shown",
                   purpose="current_involvement", child_public_id=child.public_id)]
    )  # fmt: skip
    misuse_review_run(now=MONDAY_10AM + timedelta(days=1))
    return LookupExplanation.objects.get(actor_id=user.pk)


def test_a_child_of_the_users_authority_is_explained_by_residence_only_and_weakly(world):
    stranger = ChildFactory(family_name="Okafor", local_authority=world.leeds)
    explanation = _explained(world.dora, stranger)
    assert explanation.relations == [Relation.RESIDENCE]
    assert explanation.strength == Strength.WEAK


def test_a_child_a_teammate_is_named_practitioner_for_is_a_strong_explanation(world):
    case = ChildFactory(local_authority=world.leeds)
    teammate = UserFactory(organisation=world.council, supervisor=world.dora.supervisor)
    world.dora.supervisor = teammate.supervisor = UserFactory(organisation=world.council)
    world.dora.save()
    teammate.save()
    named = PractitionerFactory(organisation=world.council, user=teammate)
    InvolvementFactory(child=case, organisation=world.council, practitioner=named)
    explanation = _explained(world.dora, case)
    assert explanation.relations == [Relation.TEAM_CASE, Relation.INVOLVEMENT, Relation.RESIDENCE]
    assert explanation.strength == Strength.STRONG
    assert explanation.basis == LookupExplanation.Basis.INVOLVEMENT


def test_a_brother_or_sister_at_home_the_organisation_works_with_explains_the_lookup(world):
    sister = ChildFactory(family_name="Nowak", postcode="LS6 2AB", local_authority=world.leeds)
    brother = ChildFactory(family_name="Nowak", postcode="LS6 2AB", local_authority=world.leeds)
    InvolvementFactory(child=sister, organisation=world.school_b)
    explanation = _explained(world.charlie, brother)
    assert explanation.relations == [Relation.HOUSEHOLD]
    assert explanation.strength == Strength.MEDIUM


def test_a_namesake_at_another_address_is_not_household(world):
    other = ChildFactory(family_name="Nowak", postcode="LS6 2AB", local_authority=world.leeds)
    child = ChildFactory(family_name="Nowak", postcode="LS9 9ZZ", local_authority=world.leeds)
    InvolvementFactory(child=other, organisation=world.council)
    explanation = _explained(world.dora, child)
    assert explanation.relations == [Relation.RESIDENCE]


def test_a_contact_request_the_user_made_explains_their_lookup_that_month(world):
    child = ChildFactory(local_authority=world.leeds)
    request = ContactRequest.objects.create(
        child=child, child_public_id=child.public_id, local_authority=world.leeds,
        requester=world.dora, purpose="current_involvement",
    )  # fmt: skip
    ContactRequest.objects.filter(pk=request.pk).update(created_at=MONDAY_10AM - timedelta(days=3))
    explanation = _explained(world.dora, child)
    assert explanation.relations == [Relation.CONTACT_REQUEST, Relation.RESIDENCE]
    assert explanation.strength == Strength.MEDIUM


def test_a_data_manager_opening_a_shielded_child_of_their_authority_has_the_shield_role(world):
    child = ChildFactory(local_authority=world.leeds, shielded=True)
    manager = UserFactory(organisation=world.council, role=Role.DATA_MANAGER)
    explanation = _explained(manager, child)
    assert explanation.relations == [Relation.SHIELD_ROLE, Relation.RESIDENCE]
    assert explanation.strength == Strength.MEDIUM


def test_a_child_out_of_every_relation_is_unexplained(world):
    explanation = _explained(world.dora, world.kent_child)
    assert explanation.relations == []
    assert explanation.strength == Strength.NONE
