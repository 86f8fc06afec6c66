"""Break-glass: step-up, a justified whole-directory search, one child for a limited time,
and the supervisor told at once."""

from datetime import timedelta

from django.utils import timezone

from access.models import AccessRequest, Notification
from audit.models import AccessEvent
from tests.factories import ChildFactory

JUSTIFICATION = "Child arrived at A&E with injuries; need the school and social worker now."


def _invoke(client, reason="immediate_risk", justification=JUSTIFICATION):
    return client.post("/break-glass/", {"reason": reason, "justification": justification})


def _search(client, request_id, **criteria):
    return client.get(f"/break-glass/{request_id}/search/", criteria)


def _kent_search(client, world):
    response = _invoke(client)
    request_id = AccessRequest.objects.latest("id").pk
    assert response["Location"] == f"/break-glass/{request_id}/search/"
    return request_id, _search(
        client, request_id, family_name="Thompson", date_of_birth="2015-03-27"
    )


def test_it_asks_for_a_fresh_code_first(world, as_user):
    response = as_user(world.alice).get("/break-glass/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/step-up/")


def test_it_refuses_a_short_justification(world, stepped_up):
    response = _invoke(stepped_up(world.alice), justification="urgent")
    assert response.status_code == 400
    assert not AccessRequest.objects.exists()


def test_it_refuses_a_user_with_no_supervisor_with_a_clear_message(world, stepped_up):
    response = _invoke(stepped_up(world.charlie))
    assert response.status_code == 400
    assert b"You have no supervisor in ContactPoint" in response.content
    assert not AccessRequest.objects.exists()


def test_it_searches_the_whole_directory_with_strong_identifiers(world, stepped_up):
    _, response = _kent_search(stepped_up(world.alice), world)
    assert b"Oliver Thompson" in response.content


def test_it_needs_a_date_of_birth_or_full_postcode(world, stepped_up):
    client = stepped_up(world.alice)
    _invoke(client)
    request_id = AccessRequest.objects.latest("id").pk
    response = _search(client, request_id, family_name="Thompson", postcode="ME14")
    assert response.status_code == 400
    assert b"Oliver" not in response.content


def test_it_hides_shielded_children_from_the_directory_search(world, stepped_up):
    world.kent_child.shielded = True
    world.kent_child.save()
    _, response = _kent_search(stepped_up(world.alice), world)
    assert b"Oliver" not in response.content


def test_it_grants_the_chosen_child_for_an_hour(world, stepped_up):
    client = stepped_up(world.alice)
    request_id, _ = _kent_search(client, world)
    response = client.post(
        f"/break-glass/{request_id}/grant/", {"public_id": world.kent_child.public_id}
    )
    assert response.status_code == 302
    record = client.get(response["Location"])
    assert record.status_code == 200
    assert b"Oliver Thompson" in record.content
    grant = AccessRequest.objects.get()
    assert grant.expires_at - grant.granted_at == timedelta(minutes=60)


def test_it_grants_only_the_user_not_their_colleague(world, stepped_up, as_user):
    client = stepped_up(world.alice)
    request_id, _ = _kent_search(client, world)
    client.post(f"/break-glass/{request_id}/grant/", {"public_id": world.kent_child.public_id})
    colleague = as_user(world.bob).get(f"/children/{world.kent_child.public_id}/?purpose=referral")
    assert colleague.status_code == 404


def test_it_refuses_a_child_the_search_did_not_offer(world, stepped_up):
    other = ChildFactory(family_name="Zebedee", local_authority=world.kent)
    client = stepped_up(world.alice)
    request_id, _ = _kent_search(client, world)
    response = client.post(f"/break-glass/{request_id}/grant/", {"public_id": other.public_id})
    assert response.status_code == 403
    assert AccessRequest.objects.get().status == "invoked"


def test_it_puts_the_child_out_of_scope_again_after_expiry(world, stepped_up):
    client = stepped_up(world.alice)
    request_id, _ = _kent_search(client, world)
    client.post(f"/break-glass/{request_id}/grant/", {"public_id": world.kent_child.public_id})
    AccessRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(f"/children/{world.kent_child.public_id}/?purpose=emergency")
    assert response.status_code == 404


def test_it_tells_the_supervisor_at_once(world, stepped_up):
    client = stepped_up(world.alice)
    request_id, _ = _kent_search(client, world)
    client.post(f"/break-glass/{request_id}/grant/", {"public_id": world.kent_child.public_id})
    invoked, chosen = Notification.objects.filter(recipient=world.sam).order_by("id")
    assert invoked.kind == chosen.kind == "break_glass"
    assert "used emergency access" in chosen.body
    assert "Oliver" not in invoked.body + chosen.body  # the e-mail names the requester only


def test_it_audits_every_step(world, stepped_up):
    client = stepped_up(world.alice)
    request_id, _ = _kent_search(client, world)
    client.post(f"/break-glass/{request_id}/grant/", {"public_id": world.kent_child.public_id})
    client.get(f"/children/{world.kent_child.public_id}/?purpose=emergency")
    actions = list(
        AccessEvent.objects.filter(actor_id=world.alice.pk)
        .exclude(action="login")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["break_glass", "directory_search", "access_granted", "view"]
    search = AccessEvent.objects.get(action="directory_search")
    assert world.kent_child.public_id in search.result_ids


def test_it_shows_the_live_grant_with_its_expiry(world, stepped_up):
    client = stepped_up(world.alice)
    request_id, _ = _kent_search(client, world)
    client.post(f"/break-glass/{request_id}/grant/", {"public_id": world.kent_child.public_id})
    page = client.get("/my-requests/").content.decode()
    assert "Access granted" in page and "until" in page
    assert f"/children/{world.kent_child.public_id}/" in page


def test_it_hides_someone_elses_request(world, stepped_up):
    request_id, _ = _kent_search(stepped_up(world.alice), world)
    response = _search(
        stepped_up(world.bob), request_id, family_name="Thompson", date_of_birth="2015-03-27"
    )
    assert response.status_code == 404


def test_it_remembers_the_children_it_offered_and_counts_the_search(world, stepped_up):
    """The children offered are the only ones that can be chosen (``access_grant``), so what
    is remembered on the request must be exactly what the page showed and the log lists."""
    request_id, response = _kent_search(stepped_up(world.alice), world)
    page = response.content.decode()
    assert "Maidstone ME14 1XX" in page
    assert "This request allows 4 more whole-directory searches." in page
    offered = AccessRequest.objects.get(pk=request_id).offered_ids
    assert offered == [world.maya.public_id, world.kent_child.public_id]
    assert AccessEvent.objects.get(action="directory_search").result_ids == offered
