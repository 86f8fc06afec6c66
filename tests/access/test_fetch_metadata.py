"""Forced lookups (issue 14, finding 5): a link on another website must not make a lookup in
the signed-in user's name.

A cross-site request (``Sec-Fetch-Site: cross-site``) for a search or a record gets a page
asking the user to confirm, with nothing about any child and nothing audited; the search runs
when the user sends it again from that page. Typed addresses, same-site links and clients
that send no Fetch Metadata keep working (CONTRACT: search and record URLs).

Charlie (school B) is the one who must not see Maya: his confirmation page for her record is
the page for a child that does not exist.
"""

import base64
import re
import time
from html import unescape

import pyotp
import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.models import AccessRequest
from audit.models import AccessEvent

SEARCH = {"family_name": "Thompson", "purpose": "referral"}
LOOKUP_ACTIONS = ("search", "view", "directory_search", "refused")


def _cross_site(client: Client, path: str, query: dict | None = None):
    return client.get(path, query or {}, headers={"Sec-Fetch-Site": "cross-site"})


def _lookups() -> int:
    return AccessEvent.objects.filter(action__in=LOOKUP_ACTIONS).count()


def _resent(page: str) -> dict[str, str]:
    """What the confirmation page's button sends again."""
    form = re.search(r'<form method="get".*?</form>', page, re.S).group(0)
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    return {name: unescape(value) for name, value in fields}


def test_it_does_not_run_a_search_another_site_links_to(world, as_user):
    response = _cross_site(as_user(world.alice), "/search/", SEARCH)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Run this search?" in body
    assert "Maya" not in body
    assert _lookups() == 0


def test_it_does_not_open_a_record_another_site_links_to(world, as_user):
    url = f"/children/{world.maya.public_id}/"
    response = _cross_site(as_user(world.alice), url, {"purpose": "referral"})
    body = response.content.decode()
    assert "Open this record?" in body
    assert "Maya" not in body and "Hillside" not in body
    assert _lookups() == 0


def test_it_shows_charlie_the_same_page_for_a_child_out_of_scope_as_for_none(world, as_user):
    client = as_user(world.charlie)
    missing = "a" * 26
    maya = _cross_site(client, f"/children/{world.maya.public_id}/", {"purpose": "referral"})
    nobody = _cross_site(client, f"/children/{missing}/", {"purpose": "referral"})
    assert maya.content.replace(world.maya.public_id.encode(), missing.encode()) == nobody.content
    assert _lookups() == 0


def test_it_runs_the_search_once_the_user_sends_it_from_our_page(world, as_user):
    client = as_user(world.alice)
    page = _cross_site(client, "/search/", SEARCH).content.decode()
    resent = _resent(page)
    assert resent == SEARCH
    response = client.get("/search/", resent, headers={"Sec-Fetch-Site": "same-origin"})
    assert "Maya Thompson" in response.content.decode()
    assert AccessEvent.objects.filter(action="search", actor_id=world.alice.pk).count() == 1


def test_it_spends_none_of_the_lookup_allowance(world, as_user, settings):
    settings.LOOKUP_RATE_LIMIT = 1
    client = as_user(world.alice)
    for _ in range(3):
        _cross_site(client, "/search/", SEARCH)
    assert "Maya Thompson" in client.get("/search/", SEARCH).content.decode()


@pytest.mark.parametrize("site", ["same-origin", "same-site", "none", None])
def test_it_searches_as_before_for_our_pages_typed_addresses_and_other_clients(
    world, as_user, site
):
    headers = {"Sec-Fetch-Site": site} if site else {}
    response = as_user(world.alice).get("/search/", SEARCH, headers=headers)
    assert "Maya Thompson" in response.content.decode()
    assert AccessEvent.objects.filter(action="search").count() == 1


@pytest.mark.parametrize("site", ["same-origin", "none", None])
def test_it_opens_a_record_as_before_for_our_pages_and_typed_addresses(world, as_user, site):
    headers = {"Sec-Fetch-Site": site} if site else {}
    url = f"/children/{world.maya.public_id}/"
    response = as_user(world.alice).get(url, {"purpose": "referral"}, headers=headers)
    assert "Maya Thompson" in response.content.decode()


def test_it_shows_the_empty_search_form_to_a_link_from_another_site(world, as_user):
    response = _cross_site(as_user(world.alice), "/search/")
    assert "Find a child" in response.content.decode()


def test_it_does_not_run_a_break_glass_search_another_site_links_to(world, as_user):
    client = as_user(world.alice)
    session = client.session
    session["cp_step_up_at"] = time.time()
    session.save()
    client.post(
        "/break-glass/",
        {
            "reason": "immediate_risk",
            "justification": "Child arrived at A&E with injuries; need the school and GP now.",
        },
    )
    request_id = AccessRequest.objects.get(requester=world.alice).pk
    response = _cross_site(
        client,
        f"/break-glass/{request_id}/search/",
        {"family_name": "Thompson", "date_of_birth": "2015-03-27"},
    )
    assert "Oliver" not in response.content.decode()
    assert _lookups() == 0


def test_it_does_not_search_after_a_sign_in_link_from_another_site(world):
    client = Client()
    link = "/accounts/login/?next=/search/%3Ffamily_name%3DThompson%26purpose%3Dreferral"
    _cross_site(client, link)
    client.post(link, {"username": "alice", "password": "correct horse battery staple"})
    device = TOTPDevice.objects.get(user=world.alice)
    code = pyotp.TOTP(base64.b32encode(device.bin_key).decode()).now()
    response = client.post("/accounts/second-factor/", {"otp_token": code})
    assert response["Location"] == "/search/"
    assert _lookups() == 0
