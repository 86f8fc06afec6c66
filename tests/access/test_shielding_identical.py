"""Out of scope, non-existent and shielded-and-out-of-scope answer the same, byte for byte:
status, body (after removing per-request tokens, if any) and headers."""

import re

import pytest

from tests.factories import ChildFactory

_TOKENS = re.compile(rb'name="(csrfmiddlewaretoken|once)" value="[^"]*"')


def record_url(child, purpose="safeguarding_concern") -> str:
    public_id = getattr(child, "public_id", child)
    return f"/children/{public_id}/?purpose={purpose}"


def _comparable(response) -> tuple:
    body = _TOKENS.sub(rb'name="\1" value=""', response.content)
    return response.status_code, body, dict(response.headers), sorted(response.cookies)


@pytest.fixture
def three(shield_world):
    """For charlie (school B): a child out of scope, one that does not exist and a shielded
    child out of scope."""
    return {
        "out_of_scope": ChildFactory(local_authority=shield_world.leeds).public_id,
        "missing": "q" * 26,
        "shielded_out_of_scope": shield_world.maya.public_id,
    }


def _answers(send, ids: dict) -> dict:
    """Each id's answer to ``send``, after one request made first, so that all three find
    the session in the same state (purpose stored, navigation's answers kept): a page that
    changes nothing in the session does not send its cookie (``contactpoint.redis_store``)."""
    send("q" * 26)
    return {name: send(public_id) for name, public_id in ids.items()}


def _assert_identical(responses: dict) -> None:
    first, *others = (_comparable(r) for r in responses.values())
    assert first[0] == 404
    for other in others:
        assert other == first


def test_it_answers_the_record_page_identically(shield_world, three, as_user):
    client = as_user(shield_world.charlie)
    _assert_identical(_answers(lambda pid: client.get(record_url(pid)), three))


def test_it_answers_a_contact_request_identically(shield_world, three, as_user):
    client = as_user(shield_world.charlie)
    _assert_identical(
        _answers(
            lambda pid: client.post(
                f"/children/{pid}/request-contact/", {"purpose": "referral", "message": ""}
            ),
            three,
        )
    )


def test_it_answers_a_child_protection_override_identically(shield_world, three, stepped_up):
    client = stepped_up(shield_world.kent_cp)
    responses = {}
    for name, public_id in three.items():
        page = client.get(f"/children/{public_id}/override/")
        once = re.search(rb'name="once" value="([^"]+)"', page.content).group(1).decode()
        responses[name] = client.post(
            f"/children/{public_id}/override/",
            {"purpose": "safeguarding_concern", "reason": "x" * 60, "once": once},
        )
    _assert_identical(responses)
