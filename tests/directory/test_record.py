"""The record page: whom to contact, and nothing for anyone who must not see it."""

from datetime import date

from audit.models import AccessEvent
from directory.models import Organisation
from tests.factories import (
    CarerFactory,
    ChildFactory,
    InvolvementFactory,
    OrganisationFactory,
    PractitionerFactory,
)


def _url(child_or_id, purpose="current_involvement"):
    public_id = getattr(child_or_id, "public_id", child_or_id)
    return f"/children/{public_id}/?purpose={purpose}"


def test_it_shows_carers_and_services_with_contact_details(world, as_user):
    CarerFactory(child=world.maya, given_name="Grace", phone="07700 900123")
    gp = OrganisationFactory(
        name="Park Lane Surgery", kind=Organisation.Kind.GP_PRACTICE, local_authority=world.leeds
    )
    doctor = PractitionerFactory(organisation=gp, name="Dr Priya Shah", phone="0113 496 0555")
    InvolvementFactory(child=world.maya, organisation=gp, practitioner=doctor, role="gp")
    response = as_user(world.alice).get(_url(world.maya))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Grace Thompson" in body and "07700 900123" in body
    assert "Dr Priya Shah" in body and "0113 496 0555" in body
    assert "Park Lane Surgery" in body


def test_it_marks_record_pages_no_store(world, as_user):
    response = as_user(world.alice).get(_url(world.maya))
    assert response["Cache-Control"] == "no-store"


def test_it_answers_out_of_scope_exactly_like_a_missing_child(world, as_user):
    client = as_user(world.charlie)
    out_of_scope = client.get(_url(world.maya))
    missing = client.get(_url("a" * 26))
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.content == missing.content
    assert sorted(out_of_scope.headers) == sorted(missing.headers)


def test_it_answers_a_malformed_id_like_a_missing_child(world, as_user):
    client = as_user(world.charlie)
    assert client.get(_url("../../etc")).content == client.get(_url("b" * 26)).content


def test_it_answers_an_archived_child_like_a_missing_one(world, as_user):
    world.maya.status = "archived"
    world.maya.save()
    client = as_user(world.alice)
    assert client.get(_url(world.maya)).content == client.get(_url("c" * 26)).content


def test_it_hides_a_cloaked_involvement_from_other_organisations(world, as_user):
    clinic = OrganisationFactory(
        name="Sexual Health Leeds",
        kind=Organisation.Kind.HEALTH_SERVICE,
        local_authority=world.leeds,
        sensitive_service=True,
    )
    InvolvementFactory(child=world.maya, organisation=clinic, role="sexual_health")
    response = as_user(world.alice).get(_url(world.maya))
    assert b"Sexual Health Leeds" not in response.content


def test_it_gives_the_same_page_with_or_without_a_cloaked_involvement(world, as_user):
    client = as_user(world.alice)
    before = client.get(_url(world.maya)).content
    clinic = OrganisationFactory(
        name="Sexual Health Leeds", local_authority=world.leeds, sensitive_service=True
    )
    InvolvementFactory(child=world.maya, organisation=clinic, role="sexual_health")
    assert client.get(_url(world.maya)).content == before


def test_it_shows_a_cloaked_service_its_own_involvement(world, as_user, django_user_model):
    from tests.factories import UserFactory

    clinic = OrganisationFactory(
        name="Sexual Health Leeds", local_authority=world.leeds, sensitive_service=True
    )
    InvolvementFactory(child=world.maya, organisation=clinic, role="sexual_health")
    nurse = UserFactory(username="nina", organisation=clinic)
    response = as_user(nurse).get(_url(world.maya))
    assert b"Sexual Health Leeds" in response.content


def test_it_shows_only_identity_for_a_shielded_child(world, as_user):
    CarerFactory(child=world.maya, given_name="Grace", phone="07700 900123")
    world.maya.shielded = True
    world.maya.save()
    body = as_user(world.alice).get(_url(world.maya)).content.decode()
    assert "Maya Thompson" in body and "27 March 2015" in body
    assert "07700 900123" not in body and "LS1 4AP" not in body and "High Street" not in body
    assert "management team" in body


def test_it_omits_ended_involvements(world, as_user):
    old_school = OrganisationFactory(name="Old Mill Infants", local_authority=world.leeds)
    InvolvementFactory(
        child=world.maya,
        organisation=old_school,
        ended_on=date(2020, 7, 20),
        started_on=date(2019, 9, 1),
    )
    assert b"Old Mill Infants" not in as_user(world.alice).get(_url(world.maya)).content


def test_it_writes_one_view_event_for_a_shown_record(world, as_user):
    as_user(world.alice).get(_url(world.maya, purpose="referral"))
    event = AccessEvent.objects.get(action=AccessEvent.Action.VIEW)
    assert (event.child_public_id, event.outcome, event.purpose) == (
        world.maya.public_id,
        "shown",
        "referral",
    )


def test_it_audits_an_out_of_scope_attempt_as_not_found(world, as_user):
    as_user(world.charlie).get(_url(world.maya))
    event = AccessEvent.objects.get(action=AccessEvent.Action.VIEW)
    assert (event.actor_id, event.outcome) == (world.charlie.pk, "not_found")


def test_it_asks_for_a_purpose_before_opening_a_record(world, as_user):
    client = as_user(world.alice)
    response = client.get(f"/children/{world.maya.public_id}/")
    assert b"Why are you looking at this record?" in response.content
    assert b"Maya" not in response.content
    assert not AccessEvent.objects.filter(action=AccessEvent.Action.VIEW).exists()


def test_it_refuses_an_admin_without_showing_the_child(world, as_user):
    response = as_user(world.ada).get(_url(world.maya))
    assert b"Maya" not in response.content
    assert response.status_code == 403


def test_it_gives_an_admin_the_same_refusal_for_any_id(world, as_user):
    client = as_user(world.ada)
    assert client.get(_url(world.maya)).content == client.get(_url("d" * 26)).content


def test_it_refuses_a_supervisor_without_a_practitioner_role(world, as_user):
    response = as_user(world.sam).get(_url(world.maya))
    assert response.status_code == 403
    assert b"Maya" not in response.content


def test_it_finds_the_kent_child_for_nobody_here(world, as_user):
    for persona in (world.alice, world.bob, world.charlie, world.dora):
        assert as_user(persona).get(_url(world.kent_child)).status_code == 404


def test_it_keeps_the_public_id_opaque(world):
    other = ChildFactory(local_authority=world.leeds)
    assert len(world.maya.public_id) == 26
    assert not set(world.maya.public_id) & set("0189")
    assert world.maya.public_id != other.public_id


def test_it_makes_every_phone_number_a_call_link_and_every_email_a_mail_link(world, as_user):
    """On a phone, a number is one tap away (issue 17, point 1); spaces leave the address."""
    CarerFactory(
        child=world.maya, given_name="Grace", phone="07700 900123", email="grace@example.org"
    )
    gp = OrganisationFactory(
        name="Park Lane Surgery",
        kind=Organisation.Kind.GP_PRACTICE,
        local_authority=world.leeds,
        phone="0113 496 0999",
    )
    doctor = PractitionerFactory(organisation=gp, name="Dr Priya Shah", phone="0113 496 0555")
    InvolvementFactory(child=world.maya, organisation=gp, practitioner=doctor, role="gp")
    body = as_user(world.alice).get(_url(world.maya)).content.decode()
    assert 'href="tel:07700900123">07700 900123</a>' in body
    assert 'href="tel:01134960555">0113 496 0555</a>' in body
    assert 'href="tel:01134960999">0113 496 0999</a>' in body
    assert 'href="mailto:grace@example.org">grace@example.org</a>' in body


def test_it_escapes_every_detail_it_shows(world, as_user):
    """The record's sections are written in Python (issue 16), not by the template engine:
    names, former names and address still reach the page as text, never as markup."""
    world.maya.given_name = "<b>Maya</b>"
    world.maya.preferred_name = "<i>May</i>"
    world.maya.former_names = ["<script>x</script>"]
    world.maya.address_line_1 = "1 <u>High</u> Street"
    world.maya.save()
    body = as_user(world.alice).get(_url(world.maya)).content.decode()
    assert "<b>Maya</b>" not in body and "&lt;b&gt;Maya&lt;/b&gt;" in body
    assert "&lt;i&gt;May&lt;/i&gt;" in body
    assert "<script>x</script>" not in body and "&lt;script&gt;x&lt;/script&gt;" in body
    assert "1 &lt;u&gt;High&lt;/u&gt; Street" in body


def test_it_shows_former_names_and_where_the_child_is_known_as(world, as_user):
    world.maya.preferred_name = "May"
    world.maya.former_names = ["Maya Jones", "Maya Smith"]
    world.maya.save()
    body = as_user(world.alice).get(_url(world.maya)).content.decode()
    assert 'Known as</dt><dd class="govuk-summary-list__value">May</dd>' in body
    assert "Maya Jones, Maya Smith</dd>" in body
