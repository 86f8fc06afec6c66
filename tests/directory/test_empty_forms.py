"""The search and the purpose question used to do nothing when sent empty (issue 17, point 4):
each answers with the GOV.UK error summary."""

from audit.models import AccessEvent

SUMMARY = 'class="govuk-error-summary"'


def test_it_answers_an_empty_search_with_an_error_summary(world, as_user):
    response = as_user(world.alice).get(
        "/search/", {"family_name": "", "given_name": "", "date_of_birth": "", "postcode": ""}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert SUMMARY in page
    assert "Enter the child&#x27;s family name" in page
    assert "Select why you are searching" in page
    assert not AccessEvent.objects.filter(action="search").exists()


def test_it_still_opens_the_search_page_without_errors(world, as_user):
    response = as_user(world.alice).get("/search/")
    assert response.status_code == 200
    assert SUMMARY not in response.content.decode()


def test_it_tells_a_role_that_cannot_search_what_it_is_for_even_on_an_empty_search(world, as_user):
    response = as_user(world.sam).get("/search/", {"family_name": ""})
    assert b"Finding a child is not part of your role" in response.content


def test_it_answers_the_purpose_question_sent_empty_with_an_error_summary(world, as_user):
    response = as_user(world.alice).get(f"/children/{world.maya.public_id}/", {"asked": "1"})
    page = response.content.decode()
    assert response.status_code == 400
    assert SUMMARY in page
    assert "Select why you are looking at this record" in page
    assert not AccessEvent.objects.filter(action="view").exists()


def test_it_gives_the_purpose_question_a_heading_and_a_way_back(world, as_user):
    page = as_user(world.alice).get(f"/children/{world.maya.public_id}/").content.decode()
    assert '<h1 class="govuk-fieldset__heading">Why are you looking at this record?</h1>' in page
    assert 'class="govuk-back-link"' in page


def test_it_opens_the_record_once_the_purpose_is_chosen(world, as_user):
    response = as_user(world.alice).get(
        f"/children/{world.maya.public_id}/", {"asked": "1", "purpose": "referral"}
    )
    assert response.status_code == 200
    assert AccessEvent.objects.get(action="view").purpose == "referral"


def test_it_asks_the_same_question_for_a_child_out_of_scope(world, as_user):
    client = as_user(world.alice)
    inside = client.get(f"/children/{world.maya.public_id}/").content
    outside = client.get(f"/children/{world.kent_child.public_id}/").content
    assert inside == outside
