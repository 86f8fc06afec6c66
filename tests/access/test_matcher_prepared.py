"""Which of the matcher's statements are planned once per session (docs/performance.md,
sessions 8 and 9): only the narrow stage's, with a date of birth. A generic plan suited
neither a search without a date (1.5-2x slower at 12M) nor the wide stage (1.37x the CPU of
planning it each time, ``bench/matcher_plans.py``)."""

from datetime import date

from django.db import connection

from access.gateway.matcher import MatchQuery, candidates_rank

ACTIVE = ('"directory_child".status = %s', ["active"])


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _rank(query: MatchQuery, *, wide: bool) -> None:
    candidates_rank(query=query, condition=ACTIVE, limit=5, using="default", wide=wide)


def test_only_the_narrow_stage_with_a_date_of_birth_is_prepared(world):
    before = _prepared()
    _rank(MatchQuery("Thompsen", "Oliver", date(2015, 3, 27)), wide=False)
    narrow = _prepared() - before
    assert len(narrow) == 1
    _rank(MatchQuery("Thompsen", "Oliver", date(2015, 3, 27)), wide=True)
    _rank(MatchQuery("Thompsen", "Oliver"), wide=False)
    _rank(MatchQuery("Thompsen", "Oliver"), wide=True)
    assert _prepared() - before == narrow
