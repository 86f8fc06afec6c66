"""Merging two records of one child, and undoing it (issue 12)."""

import pytest
from django.urls import reverse

from access.models import Role
from audit.models import AccessEvent
from directory.models import Child, ChildMerge, FeedLink, Involvement

from ..factories import (
    CarerFactory,
    ChildFactory,
    InvolvementFactory,
    OrganisationFactory,
    UserFactory,
)
from .test_feeds import feed_bytes, row, run

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def duplicate(world):
    """Maya's second record: the GP's, with another spelling and the GP's involvement."""
    gp = OrganisationFactory(kind="gp_practice", local_authority=world.leeds, name="Park Surgery")
    twin_record = ChildFactory(
        given_name="Maya", family_name="Tompson", local_authority=world.leeds, postcode="LS1 4AP"
    )
    InvolvementFactory(child=twin_record, organisation=gp, role=Involvement.Role.GP)
    CarerFactory(child=twin_record, given_name="Ruth", family_name="Tompson")
    return twin_record


@pytest.fixture
def manager(world):
    return UserFactory(username="lena", organisation=world.council, role=Role.DATA_MANAGER)


def merge(client, kept, retired, reason="Same child: the GP spelt the surname Tompson"):
    return client.post(
        reverse("feed_reviews:merge"),
        {"first": kept.public_id, "second": retired.public_id, "kept": kept.public_id,
         "reason": reason},
    )  # fmt: skip


def test_it_shows_both_records_side_by_side_and_audits_it(world, duplicate, manager, as_user):
    page = as_user(manager).get(
        reverse("feed_reviews:merge"),
        {"first": world.maya.public_id, "second": duplicate.public_id},
    )

    text = page.content.decode()
    assert "Hillside Primary School" in text and "Park Surgery" in text
    event = AccessEvent.objects.get(action=AccessEvent.Action.CHILD_MERGE_VIEW)
    assert set(event.result_ids) == {world.maya.public_id, duplicate.public_id}


def test_merging_reaches_everyone_from_the_kept_record(world, duplicate, manager, as_user):
    response = merge(as_user(manager), world.maya, duplicate)

    assert response.status_code == 302
    assert sorted(world.maya.involvements.values_list("role", flat=True)) == ["gp", "school"]
    assert world.maya.carers.filter(given_name="Ruth").exists()
    world.maya.refresh_from_db()
    assert world.maya.former_names == ["Tompson"]
    duplicate.refresh_from_db()
    assert duplicate.status == Child.Status.MERGED
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.CHILD_MERGED,
        child_public_id=world.maya.public_id,
        result_ids=[duplicate.public_id],
    ).exists()


def test_the_retired_record_is_found_by_nobody(world, duplicate, manager, as_user):
    url = f"/children/{duplicate.public_id}/?purpose=current_involvement"
    assert as_user(world.dora).get(url).status_code == 200  # Leeds: in her scope
    merge(as_user(manager), world.maya, duplicate)

    assert as_user(world.dora).get(url).status_code == 404


def test_a_feed_record_linked_to_the_retired_record_follows_the_merge(
    world, duplicate, manager, as_user, tmp_path
):
    gp_record = row(
        world,
        family_name="Tompson",
        given_name="Maya",
        date_of_birth="2015-03-27",
        sex="F",
        postcode="LS1 4AP",
    )
    run(tmp_path, feed_bytes(gp_record))
    assert FeedLink.objects.get().child == duplicate

    merge(as_user(manager), world.maya, duplicate)

    assert FeedLink.objects.get().child == world.maya


def test_undoing_puts_back_exactly_what_moved(world, duplicate, manager, as_user):
    client = as_user(manager)
    merge(client, world.maya, duplicate)
    own = InvolvementFactory(child=world.maya, role=Involvement.Role.SCHOOL_NURSE)
    merged = ChildMerge.objects.get()

    response = client.post(reverse("feed_reviews:undo", args=[merged.pk]), {"reason": "Twins"})

    assert response.status_code == 302
    duplicate.refresh_from_db()
    world.maya.refresh_from_db()
    assert duplicate.status == Child.Status.ACTIVE
    assert list(duplicate.involvements.values_list("role", flat=True)) == ["gp"]
    assert duplicate.carers.filter(given_name="Ruth").exists()
    assert set(world.maya.involvements.all()) >= {own}
    assert not world.maya.involvements.filter(role="gp").exists()
    assert world.maya.former_names == []
    assert AccessEvent.objects.filter(action=AccessEvent.Action.CHILD_UNMERGED).exists()


def test_a_shield_spreads_to_the_merged_record_and_an_undo_does_not_lift_it(
    world, duplicate, manager, as_user
):
    duplicate.shielded = True
    duplicate.save()
    client = as_user(manager)
    merge(client, world.maya, duplicate)
    world.maya.refresh_from_db()
    assert world.maya.shielded

    client.post(reverse("feed_reviews:undo", args=[ChildMerge.objects.get().pk]), {"reason": "x"})

    world.maya.refresh_from_db()
    assert world.maya.shielded


def test_the_who_viewed_report_of_the_kept_record_includes_the_retired_ones_history(
    world, duplicate, manager, as_user
):
    InvolvementFactory(child=duplicate, organisation=world.school_b)
    as_user(world.charlie).get(f"/children/{duplicate.public_id}/?purpose=current_involvement")
    merge(as_user(manager), world.maya, duplicate)

    page = as_user(manager).get(
        reverse("audit:child_viewers", args=[world.maya.public_id]),
    )

    assert "Riverside Academy" in page.content.decode()


def test_a_reason_is_required_and_nothing_changes_without_one(world, duplicate, manager, as_user):
    response = merge(as_user(manager), world.maya, duplicate, reason="")

    assert response.status_code == 400
    duplicate.refresh_from_db()
    assert duplicate.status == Child.Status.ACTIVE


@pytest.mark.parametrize("who", ["alice", "dora", "ada", "kent_manager"])
def test_nobody_else_can_merge_or_undo(world, duplicate, manager, as_user, who):
    if who == "kent_manager":
        kent_council = OrganisationFactory(kind="la_childrens_services", local_authority=world.kent)
        user = UserFactory(organisation=kent_council, role=Role.DATA_MANAGER)
    else:
        user = getattr(world, who)
    merge(as_user(manager), world.maya, duplicate)
    merged = ChildMerge.objects.get()
    client = as_user(user)

    assert client.get(reverse("feed_reviews:merges")).status_code == 404 or who == "kent_manager"
    assert (
        client.post(reverse("feed_reviews:undo", args=[merged.pk]), {"reason": "x"}).status_code
        == 404
    )
    other = ChildFactory(local_authority=world.leeds)
    merge(client, world.maya, other)
    other.refresh_from_db()
    assert other.status == Child.Status.ACTIVE
    duplicate.refresh_from_db()
    assert duplicate.status == Child.Status.MERGED


def test_records_of_another_authority_cannot_be_merged(world, manager, as_user):
    merge(as_user(manager), world.maya, world.kent_child)

    world.kent_child.refresh_from_db()
    assert world.kent_child.status == Child.Status.ACTIVE
    assert not ChildMerge.objects.exists()
