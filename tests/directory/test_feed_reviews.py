"""The review queue: a data manager of the authority places the records a feed could not."""

from datetime import date

import pytest
from django.urls import reverse

from access.models import Role
from audit.models import AccessEvent
from directory.models import Child, FeedLink, FeedReview, Organisation

from ..factories import ChildFactory, OrganisationFactory, UserFactory
from .test_feeds import UNSURE, feed_bytes, row, run

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def held(world, tmp_path):
    """A record that could be Maya: her names, her date of birth two digits out."""
    run(tmp_path, feed_bytes(row(world, source_record_id="UPN-7", **UNSURE)))
    return FeedReview.objects.get()


@pytest.fixture
def leeds_manager(world):
    return UserFactory(username="lena", organisation=world.council, role=Role.DATA_MANAGER)


@pytest.fixture
def kent_manager(world):
    kent_council = OrganisationFactory(
        kind=Organisation.Kind.LA_CHILDRENS_SERVICES, local_authority=world.kent
    )
    return UserFactory(username="kit", organisation=kent_council, role=Role.DATA_MANAGER)


def item_url(review):
    return reverse("feed_reviews:item", args=[review.pk])


def test_it_lists_the_held_record_for_the_authoritys_data_manager(held, leeds_manager, as_user):
    page = as_user(leeds_manager).get(reverse("feed_reviews:queue"))

    assert page.status_code == 200
    assert "Maya Thompson" in page.content.decode()
    assert "born 27 August 2016" in page.content.decode()


def test_it_shows_the_record_beside_the_child_offered_with_the_evidence(
    held, leeds_manager, as_user, world
):
    page = as_user(leeds_manager).get(item_url(held)).content.decode()

    assert "9 Park Row" in page  # the record sent
    assert "Maya" in page and "1 High Street" in page  # the child held, in full
    assert "Date of birth differs by two digits" in page
    event = AccessEvent.objects.get(
        action=AccessEvent.Action.FEED_REVIEW_VIEW, criteria__review=held.pk
    )
    assert set(event.result_ids) == {c["child"] for c in held.candidates}
    assert world.maya.public_id in event.result_ids


def test_linking_applies_the_record_to_the_child_and_its_next_rows_follow(
    held, leeds_manager, as_user, world, tmp_path
):
    response = as_user(leeds_manager).post(
        item_url(held), {"decision": f"link:{world.maya.public_id}"}
    )

    assert response.status_code == 302
    world.maya.refresh_from_db()
    assert world.maya.address_line_1 == "9 Park Row"
    link = FeedLink.objects.get(source_record_id="UPN-7")
    assert (link.child, link.method) == (world.maya, FeedLink.Method.REVIEWED)
    held.refresh_from_db()
    assert (held.status, held.decided_by) == (FeedReview.Status.LINKED, leeds_manager)
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.FEED_REVIEW_DECIDED, child_public_id=world.maya.public_id
    ).exists()


def test_a_new_child_decision_adds_the_child(held, leeds_manager, as_user, world):
    as_user(leeds_manager).post(item_url(held), {"decision": "new"})

    created = FeedLink.objects.get(source_record_id="UPN-7").child
    assert created not in (world.maya, world.kent_child)
    assert created.date_of_birth == date(2016, 8, 27)


def test_not_sure_keeps_it_in_the_queue_marked(held, leeds_manager, as_user):
    client = as_user(leeds_manager)
    client.post(item_url(held), {"decision": "not_sure"})

    held.refresh_from_db()
    assert held.status == FeedReview.Status.NOT_SURE
    assert "Second opinion asked" in client.get(reverse("feed_reviews:queue")).content.decode()
    assert not Child.objects.filter(date_of_birth=date(2016, 8, 27)).exists()


def test_it_will_not_link_to_a_child_it_did_not_offer(held, leeds_manager, as_user, world):
    elsewhere = ChildFactory(given_name="Noor", family_name="Haddad", local_authority=world.leeds)
    response = as_user(leeds_manager).post(
        item_url(held), {"decision": f"link:{elsewhere.public_id}"}
    )

    assert response.status_code == 404
    held.refresh_from_db()
    assert held.status == FeedReview.Status.OPEN
    assert not FeedLink.objects.filter(source_record_id="UPN-7").exists()


@pytest.mark.parametrize("who", ["kent_manager", "alice", "dora", "ada"])
def test_nobody_else_sees_or_decides_it(held, world, kent_manager, as_user, who, request):
    user = kent_manager if who == "kent_manager" else getattr(world, who)
    client = as_user(user)

    assert client.get(item_url(held)).status_code == 404
    assert client.post(item_url(held), {"decision": "new"}).status_code == 404
    queue = client.get(reverse("feed_reviews:queue"))
    assert queue.status_code == 404 or "27 August 2016" not in queue.content.decode()
    held.refresh_from_db()
    assert held.status == FeedReview.Status.OPEN


def test_a_child_living_elsewhere_shows_only_what_the_match_compared(
    world, leeds_manager, as_user, tmp_path
):
    # Maia Thompson of Kent, born a digit away from the record's date: a candidate too.
    kent = world.kent_child
    kent.given_name, kent.date_of_birth, kent.postcode = "Maia", date(2016, 8, 21), "LS1 4AP"
    kent.save()
    run(tmp_path, feed_bytes(row(world, source_record_id="UPN-7", **UNSURE)))
    review = FeedReview.objects.get()
    assert kent.public_id in {c["child"] for c in review.candidates}
    review.local_authority = world.leeds  # the queue of the authority reviewing it
    review.save()

    page = as_user(leeds_manager).get(item_url(review)).content.decode()

    assert "Maia" in page and "Kent" in page
    assert "LS1 4AP" in page  # Maya's, in full; Maia's address is not shown:
    assert "Maidstone" not in page
