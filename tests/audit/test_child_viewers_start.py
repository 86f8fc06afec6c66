"""The who-viewed form (issue 17, point 4): sent empty it answers with the error summary; a
mistyped ContactPoint ID is a format error, not the report's 404, while a well-formed unknown
id still gets the same 404 as a child outside the data manager's authority."""

from audit.models import AccessEvent
from tests.factories import ChildFactory

SUMMARY = 'class="govuk-error-summary"'
NOBODY = "abcdefghijklmnopqrstuvwxyz"


def _who_viewed(client, value):
    return client.get("/audit/child-viewers/", {"public_id": value})


def test_it_answers_an_empty_who_viewed_form_with_an_error_summary(world, sar, as_user):
    response = _who_viewed(as_user(sar.dana), "")
    page = response.content.decode()
    assert response.status_code == 400
    assert SUMMARY in page and "Enter the child&#x27;s ContactPoint ID" in page


def test_it_answers_a_mistyped_id_with_a_format_error(world, sar, as_user):
    response = _who_viewed(as_user(sar.dana), world.maya.public_id[:-1] + "1")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a ContactPoint ID in the right format" in page
    assert not AccessEvent.objects.filter(action="who_viewed_report").exists()


def test_it_accepts_an_id_typed_in_capitals_with_spaces(world, sar, as_user):
    typed = " ".join([world.maya.public_id[:13].upper(), world.maya.public_id[13:]])
    response = _who_viewed(as_user(sar.dana), typed)
    assert response["Location"] == f"/audit/children/{world.maya.public_id}/viewers/"


def test_it_sends_a_well_formed_unknown_id_to_the_same_404_as_out_of_scope(world, sar, as_user):
    client = as_user(sar.dana)
    kent = ChildFactory(local_authority=world.kent)
    unknown = client.get(_who_viewed(client, NOBODY)["Location"])
    elsewhere = client.get(_who_viewed(client, kent.public_id)["Location"])
    assert unknown.status_code == elsewhere.status_code == 404
    assert unknown.content == elsewhere.content
