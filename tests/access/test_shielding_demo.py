"""The demo world lets people try shielding and cloaking: a shielded child in Leeds that the
data managers and the child-protection lead find, and two data managers for four eyes."""

import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from access.gateway import SearchCriteria, child_get_for_user, child_search
from access.models import User
from audit.writer import Actor
from directory.demo.showcase import SHOWCASE_AUTHORITY
from directory.demo.world import world_build

# seed_demo builds the world for today (the London date): the tests rebuild the same one.
pytestmark = pytest.mark.calendar


def _shielded_in_leeds(world):
    return [
        c
        for c in world.children
        if c.shielded and c.local_authority == SHOWCASE_AUTHORITY and c.status == "active"
    ]


@pytest.mark.parametrize("children, seed", [(60, 3), (300, 7)])
def test_it_always_has_a_shielded_child_in_leeds(children, seed):
    assert _shielded_in_leeds(world_build(children=children, seed=seed, today=timezone.localdate()))


def test_it_names_the_shielded_child_to_the_people_who_manage_or_override_shields():
    world = world_build(children=300, seed=7, today=timezone.localdate())
    child = _shielded_in_leeds(world)[0]
    described = {p.username: p.description for p in world.personas}
    for username in ("datamanager", "datamanager2", "cp.lead"):
        assert f"{child.given_name} {child.family_name}" in described[username]


@pytest.fixture
def seeded(db, tmp_path):
    path = tmp_path / "logins.json"
    call_command("seed_demo", "--children", "300", "--seed", "7", "--credentials", str(path))
    return {entry["username"] for entry in json.loads(path.read_text())}


def test_it_seeds_two_leeds_data_managers(seeded):
    assert {"datamanager", "datamanager2"} <= seeded
    managers = User.objects.filter(username__in=["datamanager", "datamanager2"])
    assert {m.organisation.local_authority_id for m in managers} == {SHOWCASE_AUTHORITY}


@pytest.mark.parametrize(
    "username, full_record", [("datamanager", True), ("cp.lead", False), ("socialworker", False)]
)
def test_it_lets_the_leeds_personas_find_the_shielded_child(seeded, username, full_record):
    child = _shielded_in_leeds(world_build(children=300, seed=7, today=timezone.localdate()))[0]
    user = User.objects.get(username=username)
    actor = Actor(user.pk, user.username, user.role, user.organisation_id, None, "test")
    criteria = SearchCriteria(
        family_name=child.family_name, date_of_birth=child.date_of_birth, purpose="referral"
    )
    found = child_search(user=user, criteria=criteria, actor=actor).children
    assert child.public_id in {summary.public_id for summary in found}
    record = child_get_for_user(
        user=user, public_id=child.public_id, purpose="referral", actor=actor
    )
    assert bool(record.address) is full_record
