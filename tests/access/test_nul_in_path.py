"""An address with NUL (``%00``) in a child's id answers the shared 404, byte for byte, not a
500 (issue 14, finding 9). Charlie, who must not see Maya, gets the same page for her id as
for one with NUL and one that does not exist."""

import pytest

MISSING = "a" * 26


def _get(client, path: str):
    return client.get(path, {"purpose": "referral"})


@pytest.mark.parametrize(
    "path",
    [
        "/children/%00/",
        "/children/abc%00def/",
        f"/children/{MISSING}%00/",
        "/children/%00/override/",
    ],
)
def test_it_answers_an_id_with_nul_like_a_child_that_does_not_exist(world, as_user, path):
    client = as_user(world.alice)
    missing = _get(client, f"/children/{MISSING}/")
    response = _get(client, path)
    assert response.status_code == 404
    assert response.content == missing.content
    assert response["Cache-Control"] == missing["Cache-Control"] == "no-store"


def test_it_answers_a_contact_request_for_an_id_with_nul_with_the_404(world, as_user):
    response = as_user(world.alice).post(
        "/children/%00/request-contact/", {"purpose": "referral", "message": "Please call."}
    )
    assert response.status_code == 404


def test_it_shows_charlie_one_page_for_maya_nul_and_nobody(world, as_user):
    client = as_user(world.charlie)
    paths = (f"/children/{world.maya.public_id}/", "/children/%00/", f"/children/{MISSING}/")
    pages = {_get(client, path).content for path in paths}
    assert len(pages) == 1
