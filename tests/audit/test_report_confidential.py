"""The subject-access report neither reveals nor hints at confidential services (issue 14,
finding 7).

It used to print "Withheld: confidential service" lines by default (a report handed to a
family told them a confidential service had looked the child up), and one tick named the
sexual-health clinic to the data manager with no reason and no fresh code. Now the default
report has no trace of them, and including them takes a stated reason and a step-up, both
recorded. ``sar`` (tests/audit/conftest.py): dana, Leeds's data manager; kim, Kent's; a
nurse at Leeds Sexual Health, which works with maya under a cloak. Alice and kim are the ones
who must not see the confidential version.
"""

from access.gateway import child_viewers_report
from audit.models import AccessEvent
from audit.writer import Actor

NOBODY = "abcdefghijklmnopqrstuvwxyz"  # a well-formed id that no child has
REASON = "The family disputes a lookup in March; checking every line before redacting it."


def _report_url(public_id: str, confidential: bool = False) -> str:
    return f"/audit/children/{public_id}/viewers/" + ("confidential/" if confidential else "")


def _view(client, child) -> None:
    assert client.get(f"/children/{child.public_id}/?purpose=referral").status_code == 200


def _lines(user, child) -> list[tuple[str, str, str]]:
    """The report's lines as a family would read them, leaving out the reports themselves."""
    actor = Actor(
        user_id=user.pk,
        username=user.username,
        role=user.role,
        organisation_id=user.organisation_id,
        ip_address="192.0.2.40",
        user_agent="pytest",
    )
    report = child_viewers_report(user=user, public_id=child.public_id, actor=actor)
    return [
        (line.what, line.organisation, line.role)
        for line in report.lines
        if line.what != "Produced this report"
    ]


def test_it_leaves_confidential_lookups_out_of_the_default_report_without_a_trace(
    world, sar, as_user
):
    _view(as_user(world.alice), world.maya)
    _view(as_user(sar.nurse), world.maya)
    body = as_user(sar.dana).get(_report_url(world.maya.public_id)).content.decode()
    assert "Leeds Sexual Health" not in body
    assert "Withheld" not in body
    assert "1 time someone saw this child" in body


def test_it_gives_the_same_default_report_whether_or_not_a_confidential_service_looked(
    world, sar, as_user
):
    as_user(world.dora).get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    before = _lines(sar.dana, world.maya)
    _view(as_user(sar.nurse), world.maya)
    as_user(sar.nurse).get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    assert _lines(sar.dana, world.maya) == before != []


def test_it_ignores_the_old_include_tick(world, sar, as_user):
    _view(as_user(sar.nurse), world.maya)
    url = _report_url(world.maya.public_id) + "?include_cloaked=yes"
    body = as_user(sar.dana).get(url).content.decode()
    assert "Leeds Sexual Health" not in body
    event = AccessEvent.objects.get(actor_id=sar.dana.pk, action="who_viewed_report")
    assert event.criteria == {"include_cloaked": False}


def test_it_asks_for_a_fresh_code_before_the_confidential_version(world, sar, as_user):
    client = as_user(sar.dana)
    url = _report_url(world.maya.public_id, confidential=True)
    for response in (client.get(url), client.post(url, {"reason": REASON})):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/step-up/")
    assert not AccessEvent.objects.filter(action="who_viewed_report").exists()


def test_it_refuses_the_confidential_version_without_a_reason(world, sar, stepped_up):
    _view(stepped_up(sar.nurse), world.maya)
    url = _report_url(world.maya.public_id, confidential=True)
    response = stepped_up(sar.dana).post(url, {"reason": "checking"})
    assert response.status_code == 400
    assert "at least 40 characters" in response.content.decode()
    assert "Leeds Sexual Health" not in response.content.decode()
    assert not AccessEvent.objects.filter(action="who_viewed_report").exists()


def test_it_shows_confidential_lookups_for_a_reason_and_records_it(world, sar, stepped_up):
    _view(stepped_up(sar.nurse), world.maya)
    url = _report_url(world.maya.public_id, confidential=True)
    response = stepped_up(sar.dana).post(url, {"reason": REASON})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Leeds Sexual Health" in body
    assert f"Included, because: {REASON}" in body
    event = AccessEvent.objects.get(actor_id=sar.dana.pk, action="who_viewed_report")
    assert event.criteria == {"include_cloaked": True}
    assert event.reason == f"confidential services included: {REASON}"


def test_it_answers_a_practitioner_as_if_there_were_no_confidential_version(world, sar, stepped_up):
    client = stepped_up(world.alice)
    url = _report_url(world.maya.public_id, confidential=True)
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 404
    assert response.content == client.post(_report_url(NOBODY, True), {"reason": REASON}).content


def test_it_answers_another_authoritys_data_manager_as_if_the_child_did_not_exist(
    world, sar, stepped_up
):
    client = stepped_up(sar.kim)
    url = _report_url(world.maya.public_id, confidential=True)
    response = client.post(url, {"reason": REASON})
    assert response.status_code == 404
    assert b"Leeds Sexual Health" not in response.content
    assert response.content == client.post(_report_url(NOBODY, True), {"reason": REASON}).content
