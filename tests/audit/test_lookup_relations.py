"""Every lookup is explained by all the relations that hold, with their strength (issue 21):
the relations reviewers read beside each evidence event, and the unexplained-lookup detectors
count. Each case writes one view the way the gateway logs it and runs the explanation stage;
what follows a lookup (a case opened days later) is read when the day settles
(``MISUSE_FOLLOW_UP_DAYS`` later)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from access.models import ContactRequest, Role
from audit.models import ActivityDay, LookupExplanation
from audit.review.pipeline import misuse_review_run
from audit.writer import Actor, PastEvent, access_events_load_synthetic
from directory.models import Correction, Organisation
from tests.factories import (
    ChildFactory,
    InvolvementFactory,
    OrganisationFactory,
    PractitionerFactory,
    UserFactory,
)

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


def _settled(user, child) -> tuple[LookupExplanation, LookupExplanation]:
    """The explanation the morning after, and once the follow-up days have passed."""
    first = _explained(user, child)
    misuse_review_run(now=MONDAY_10AM + timedelta(days=settings.MISUSE_FOLLOW_UP_DAYS + 1))
    return first, LookupExplanation.objects.get(actor_id=user.pk)


def _opened_on(days_after: int):
    return (MONDAY_10AM + timedelta(days=days_after)).date()


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


def test_a_case_the_organisation_opens_days_later_explains_the_lookup_once_settled(world):
    referred = ChildFactory(local_authority=world.leeds)
    InvolvementFactory(child=referred, organisation=world.council, started_on=_opened_on(2))
    first, settled = _settled(world.dora, referred)
    assert first.relations == [Relation.RESIDENCE]
    assert settled.relations == [Relation.CASE_OPENED, Relation.RESIDENCE]
    assert settled.strength == Strength.MEDIUM
    assert ActivityDay.objects.get(actor_id=world.dora.pk).unexplained_children == 0


def test_a_case_the_day_team_opens_explains_the_night_teams_lookup(world):
    night_team = OrganisationFactory(
        kind=Organisation.Kind.LA_CHILDRENS_SERVICES, local_authority=world.leeds
    )
    duty = UserFactory(organisation=night_team, role=Role.CHILD_PROTECTION_PRACTITIONER)
    called_about = ChildFactory(local_authority=world.leeds)
    InvolvementFactory(child=called_about, organisation=world.council, started_on=_opened_on(1))
    _first, settled = _settled(duty, called_about)
    assert Relation.CASE_OPENED in settled.relations


def test_a_case_another_authoritys_service_opens_explains_nothing(world):
    kent_team = OrganisationFactory(
        kind=Organisation.Kind.LA_CHILDRENS_SERVICES, local_authority=world.kent
    )
    child = ChildFactory(local_authority=world.leeds)
    InvolvementFactory(child=child, organisation=kent_team, started_on=_opened_on(1))
    _first, settled = _settled(world.dora, child)
    assert settled.relations == [Relation.RESIDENCE]


def test_a_case_opened_after_the_follow_up_days_explains_nothing(world):
    child = ChildFactory(local_authority=world.leeds)
    late = _opened_on(settings.MISUSE_FOLLOW_UP_DAYS + 1)
    InvolvementFactory(child=child, organisation=world.council, started_on=late)
    _first, settled = _settled(world.dora, child)
    assert settled.relations == [Relation.RESIDENCE]
    assert ActivityDay.objects.get(actor_id=world.dora.pk).unexplained_children == 1


def test_a_correction_the_data_manager_decided_explains_their_lookup(world):
    child = ChildFactory(local_authority=world.leeds)
    manager = UserFactory(organisation=world.council, role=Role.DATA_MANAGER)
    correction = Correction.objects.create(
        child=child, local_authority=world.leeds, detail=Correction.Detail.ADDRESS,
        note="Moved house.", reported_by=world.alice, status=Correction.Status.CORRECTED,
        decided_by=manager, decided_at=MONDAY_10AM + timedelta(minutes=5),
    )  # fmt: skip
    Correction.objects.filter(pk=correction.pk).update(reported_at=MONDAY_10AM - timedelta(days=2))
    explanation = _explained(manager, child)
    assert explanation.relations == [Relation.RECORD_UPKEEP, Relation.RESIDENCE]
    assert explanation.strength == Strength.MEDIUM


# What the stage does not read (session 12): each held for residence-only lookups in the
# benchmark no more often than for a child drawn at random (docs/performance.md), so none of
# them may explain a lookup.


def test_a_contact_request_someone_else_made_explains_nothing(world):
    child = ChildFactory(local_authority=world.leeds)
    colleague = UserFactory(organisation=world.council)
    request = ContactRequest.objects.create(
        child=child, child_public_id=child.public_id, local_authority=world.leeds,
        requester=colleague, purpose="current_involvement",
    )  # fmt: skip
    ContactRequest.objects.filter(pk=request.pk).update(created_at=MONDAY_10AM - timedelta(days=3))
    explanation = _explained(world.dora, child)
    assert explanation.relations == [Relation.RESIDENCE]
    assert explanation.strength == Strength.WEAK


def test_a_correction_another_data_manager_decided_explains_nothing(world):
    child = ChildFactory(local_authority=world.leeds)
    manager = UserFactory(organisation=world.council, role=Role.DATA_MANAGER)
    other = UserFactory(organisation=world.council, role=Role.DATA_MANAGER)
    correction = Correction.objects.create(
        child=child, local_authority=world.leeds, detail=Correction.Detail.ADDRESS,
        note="Moved house.", reported_by=world.alice, status=Correction.Status.CORRECTED,
        decided_by=other, decided_at=MONDAY_10AM - timedelta(hours=2),
    )  # fmt: skip
    Correction.objects.filter(pk=correction.pk).update(reported_at=MONDAY_10AM - timedelta(days=2))
    assert _explained(manager, child).relations == [Relation.RESIDENCE]


def test_another_childrens_services_teams_case_explains_nothing(world):
    child = ChildFactory(local_authority=world.leeds)
    other_team = OrganisationFactory(
        kind=Organisation.Kind.LA_CHILDRENS_SERVICES, local_authority=world.leeds
    )
    InvolvementFactory(child=child, organisation=other_team)
    explanation = _explained(world.dora, child)
    assert explanation.relations == [Relation.RESIDENCE]
    assert explanation.strength == Strength.WEAK
