"""Audit before data: when the event cannot be written, nothing is shown."""

from django.db import connection

from audit.models import AccessEvent


def break_audit() -> None:
    """Make every insert into the log fail in the database, as a full disk or a revoked
    privilege would."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE FUNCTION test_refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'audit storage unavailable'; END $$;
            CREATE TRIGGER test_refuse_insert BEFORE INSERT ON audit_accessevent
            FOR EACH ROW EXECUTE FUNCTION test_refuse_insert();
            """
        )


def test_it_shows_no_search_results_when_the_audit_write_fails(world, as_user):
    client = as_user(world.alice)
    break_audit()
    response = client.get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    assert response.status_code == 503
    assert b"Maya" not in response.content
    assert b"could not be recorded" in response.content
    # Rendered without the request (nothing of the failed database is read), with the
    # layout's stylesheet and links all the same (access.navigation.layout_links).
    assert b'<link rel="stylesheet" href="/static/css/contactpoint.css">' in response.content
    assert b'href="/info/privacy/"' in response.content


def test_it_shows_no_record_when_the_audit_write_fails(world, as_user):
    client = as_user(world.alice)
    break_audit()
    response = client.get(f"/children/{world.maya.public_id}/?purpose=referral")
    assert response.status_code == 503
    assert b"Maya" not in response.content


def test_it_leaves_no_trace_of_the_failed_read(world, as_user):
    client = as_user(world.alice)
    before = AccessEvent.objects.count()
    break_audit()
    client.get("/search/", {"family_name": "Thompson", "purpose": "referral"})
    assert AccessEvent.objects.count() == before
