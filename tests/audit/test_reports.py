"""Who viewed this child (for data managers) and the team's lookups (for supervisors)."""

from audit.models import AccessEvent

NOBODY = "abcdefghijklmnopqrstuvwxyz"  # a well-formed id that no child has


def _report_url(public_id: str, **query) -> str:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return f"/audit/children/{public_id}/viewers/{suffix}"


def _view(client, child) -> None:
    assert client.get(f"/children/{child.public_id}/?purpose=referral").status_code == 200


def test_it_shows_a_data_manager_which_organisations_viewed_a_child(world, sar, as_user):
    _view(as_user(world.alice), world.maya)
    response = as_user(sar.dana).get(_report_url(world.maya.public_id))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Who viewed Maya Thompson" in body
    assert "Opened the record" in body
    assert "Hillside Primary School" in body
    assert world.alice.get_full_name() not in body


def test_it_includes_searches_that_showed_the_child(world, sar, as_user):
    as_user(world.dora).get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    body = as_user(sar.dana).get(_report_url(world.maya.public_id)).content.decode()
    assert "Found in search results" in body
    assert "Leeds Children&#x27;s Services" in body


def test_it_leaves_lookups_by_confidential_services_out_by_default(world, sar, as_user):
    """More in test_report_confidential.py (issue 14, finding 7)."""
    _view(as_user(sar.nurse), world.maya)
    body = as_user(sar.dana).get(_report_url(world.maya.public_id)).content.decode()
    assert "Leeds Sexual Health" not in body
    assert "Withheld" not in body


def test_it_records_the_report_as_a_lookup_of_the_child(world, sar, as_user):
    as_user(sar.dana).get(_report_url(world.maya.public_id))
    event = AccessEvent.objects.get(actor_id=sar.dana.pk, action="who_viewed_report")
    assert (event.child_public_id, event.outcome) == (world.maya.public_id, "shown")


def test_it_answers_a_practitioner_as_if_the_child_did_not_exist(world, sar, as_user):
    client = as_user(world.alice)
    _view(client, world.maya)
    response = client.get(_report_url(world.maya.public_id))
    assert response.status_code == 404
    assert response.content == client.get(_report_url(NOBODY)).content


def test_it_answers_another_authoritys_data_manager_as_if_the_child_did_not_exist(
    world, sar, as_user
):
    client = as_user(sar.kim)
    response = client.get(_report_url(world.maya.public_id))
    assert response.status_code == 404
    assert response.content == client.get(_report_url(NOBODY)).content


def test_it_lets_kents_data_manager_report_on_a_kent_child(world, sar, as_user):
    response = as_user(sar.kim).get(_report_url(world.kent_child.public_id))
    assert response.status_code == 200
    assert "Nobody has seen this child" in response.content.decode()


def test_it_shows_a_supervisor_their_teams_lookups_without_what_was_searched(world, as_user):
    as_user(world.alice).get("/search/", {"family_name": "Zebedee", "purpose": "referral"})
    body = as_user(world.sam).get("/audit/team-lookups/").content.decode()
    assert world.alice.get_full_name() in body
    assert "Search" in body
    assert "Zebedee" not in body


def test_it_leaves_lookups_outside_the_team_off_a_supervisors_page(world, as_user):
    as_user(world.charlie).get("/search/", {"family_name": "Zebedee", "purpose": "referral"})
    body = as_user(world.sam).get("/audit/team-lookups/").content.decode()
    assert world.charlie.get_full_name() not in body


def test_it_shows_a_practitioner_no_team_lookups(world, as_user):
    as_user(world.bob).get("/search/", {"family_name": "Zebedee", "purpose": "referral"})
    body = as_user(world.alice).get("/audit/team-lookups/").content.decode()
    assert "Nobody in ContactPoint has you as their supervisor" in body
    assert world.bob.get_full_name() not in body


def test_it_asks_before_running_a_report_another_website_links_to(world, sar, as_user):
    """Rule (every look is the user's own): the report is an audited lookup of the child, so
    a link from elsewhere must not run it in the data manager's name."""
    response = as_user(sar.dana).get(
        _report_url(world.maya.public_id), headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Open this report?" in body
    assert "Maya" not in body
    assert not AccessEvent.objects.filter(action="who_viewed_report").exists()
    same_site = as_user(sar.dana).get(
        _report_url(world.maya.public_id), headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert "Who viewed Maya Thompson" in same_site.content.decode()
