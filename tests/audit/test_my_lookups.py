"""A user sees their own recent lookups, and nobody else's."""


def test_it_lists_my_searches_and_views(world, as_user):
    client = as_user(world.alice)
    client.get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    client.get(f"/children/{world.maya.public_id}/")
    body = client.get("/audit/my-lookups/").content.decode()
    assert "Search: Thompson" in body
    assert "Record view" in body


def test_it_does_not_show_a_colleagues_lookups(world, as_user):
    as_user(world.bob).get("/search/", {"family_name": "Zebedee", "purpose": "referral"})
    body = as_user(world.alice).get("/audit/my-lookups/").content.decode()
    assert "Zebedee" not in body
