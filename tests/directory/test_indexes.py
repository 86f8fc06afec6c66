"""The child table's indexes stay fit for searching after a large feed."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_child_tables_gin_indexes_keep_no_pending_list():
    """Rule (search after a census): a GIN index with a pending list makes every search read
    the rows a feed added, unsorted, until a vacuum merges them (session 12: 30-45 ms in
    place of 6-8 at 12 million children), so each GIN index on the child table is kept
    without one — including any added later."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, coalesce(c.reloptions, '{}')
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_am a ON a.oid = c.relam
            WHERE i.indrelid = 'directory_child'::regclass AND a.amname = 'gin'
            """
        )
        found = dict(cursor.fetchall())
    assert set(found) >= {"child_former_family", "child_former_dated"}
    for name, options in found.items():
        assert "fastupdate=off" in options, name
