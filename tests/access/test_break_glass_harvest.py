"""Break-glass is for one child, not a harvest (issue 14, finding 3).

One break-glass request once answered 250 whole-directory searches, returning 130 distinct
out-of-scope children, and the supervisor heard nothing until a child was chosen. Now each
directory search is a lookup inside the user's limit, one request allows
``BREAK_GLASS_SEARCHES_PER_REQUEST`` of them, and the supervisor is told at invocation.
Bob, alice's colleague, is the one who must not be touched by any of it.
"""

from datetime import date

import pytest

from access.gateway import SearchCriteria
from access.gateway.break_glass import BreakGlassRefused, directory_search
from access.models import AccessRequest, Notification
from audit.models import AccessEvent
from audit.writer import Actor

JUSTIFICATION = "Child arrived at A&E with injuries; need the school and social worker now."
SPELLINGS = ["Thompson", "Tompson", "Thomson", "Thompsen", "Tomson", "Thomsen"]


def _invoke(client) -> int:
    client.post("/break-glass/", {"reason": "immediate_risk", "justification": JUSTIFICATION})
    return AccessRequest.objects.latest("id").pk


def _search(client, request_id, family_name="Thompson"):
    return client.get(
        f"/break-glass/{request_id}/search/",
        {"family_name": family_name, "date_of_birth": "2015-03-27"},
    )


def test_it_refuses_the_sixth_directory_search_of_one_request(world, stepped_up):
    client = stepped_up(world.alice)
    request_id = _invoke(client)
    for spelling in SPELLINGS[:5]:
        assert _search(client, request_id, spelling).status_code == 200
    refused = _search(client, request_id, SPELLINGS[5])
    assert refused.status_code == 403
    assert b"5 whole-directory searches one request allows" in refused.content
    assert b"Oliver" not in refused.content and b"Open record" not in refused.content
    assert AccessEvent.objects.filter(action="directory_search").count() == 5
    denial = AccessEvent.objects.get(action="refused", actor_id=world.alice.pk)
    assert denial.outcome == "refused"
    assert denial.reason == f"request {request_id}: all 5 whole-directory searches used"
    assert denial.criteria["family_name"] == "Thomsen"


def test_it_lets_a_new_request_search_again_and_tells_the_supervisor_of_it(world, stepped_up):
    client = stepped_up(world.alice)
    first = _invoke(client)
    for _ in range(5):
        _search(client, first)
    second = _invoke(client)
    assert b"Oliver Thompson" in _search(client, second).content
    assert Notification.objects.filter(recipient=world.sam, link=f"/supervision/{second}/")


def test_it_counts_directory_searches_in_the_lookup_limit(world, stepped_up, as_user, settings):
    settings.LOOKUP_RATE_LIMIT = 3  # the invocation is one lookup, each search another
    client = stepped_up(world.alice)
    request_id = _invoke(client)
    assert _search(client, request_id).status_code == 200
    assert _search(client, request_id).status_code == 200
    refused = _search(client, request_id)
    assert refused.status_code == 403
    assert b"more children in a short time" in refused.content
    assert b"Oliver" not in refused.content
    ordinary = client.get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    assert ordinary.status_code == 403
    bob = as_user(world.bob).get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    assert b"Maya Thompson" in bob.content


def test_it_tells_the_supervisor_when_break_glass_is_invoked(world, stepped_up):
    request_id = _invoke(stepped_up(world.alice))
    [notification] = Notification.objects.filter(recipient=world.sam)
    assert notification.kind == "break_glass"
    assert notification.link == f"/supervision/{request_id}/"
    assert "started emergency access" in notification.body
    assert not Notification.objects.exclude(recipient=world.sam).exists()


def test_it_shows_the_supervisor_how_many_directory_searches_were_made(world, stepped_up, as_user):
    client = stepped_up(world.alice)
    request_id = _invoke(client)
    for _ in range(3):
        _search(client, request_id)
    page = as_user(world.sam).get(f"/supervision/{request_id}/")
    assert b'Whole-directory searches</dt><dd class="govuk-summary-list__value">3<' in (
        page.content
    )
    assert as_user(world.bob).get(f"/supervision/{request_id}/").status_code == 404


def test_it_refuses_the_last_search_when_another_tab_took_it_meanwhile(world, stepped_up, settings):
    """The count the page loaded can be stale: the search is taken in the transaction that
    reads, only while one is left, or not at all."""
    request_id = _invoke(stepped_up(world.alice))
    loaded = AccessRequest.objects.get(pk=request_id)
    cap = settings.BREAK_GLASS_SEARCHES_PER_REQUEST
    AccessRequest.objects.filter(pk=request_id).update(directory_searches=cap)
    alice = world.alice
    actor = Actor(alice.pk, alice.username, alice.role, alice.organisation_id, None, "test")
    criteria = SearchCriteria(
        family_name="Thompson", date_of_birth=date(2015, 3, 27), purpose="emergency"
    )
    with pytest.raises(BreakGlassRefused):
        directory_search(user=alice, request=loaded, criteria=criteria, actor=actor)
    assert not AccessEvent.objects.filter(action="directory_search").exists()
    denial = AccessEvent.objects.get(action="refused", actor_id=alice.pk)
    assert denial.reason == f"request {request_id}: all {cap} whole-directory searches used"
    assert AccessRequest.objects.get(pk=request_id).offered_ids == []


def test_it_offers_no_more_children_than_the_cap(world, stepped_up, settings):
    settings.DIRECTORY_SEARCH_CAP = 1
    client = stepped_up(world.alice)
    request_id = _invoke(client)
    page = _search(client, request_id).content.decode()
    assert "Maya Thompson" in page and "Oliver Thompson" not in page
    assert AccessRequest.objects.get(pk=request_id).offered_ids == [world.maya.public_id]
    grant = client.post(
        f"/break-glass/{request_id}/grant/", {"public_id": world.kent_child.public_id}
    )
    assert grant.status_code == 403
