"""Which of the matcher's statements are planned once per session (docs/performance.md,
sessions 8, 9 and 13): the keys lookup, and the narrow stage's with a date of birth. A
generic plan suited neither a search without a date (1.5-2x slower at 12M) nor the wide
stage (1.37x the CPU of planning it each time, ``bench/matcher_plans.py``)."""

from datetime import date

import pytest
from django.db import connection

from access.gateway.matcher import MatchQuery, candidates_rank, query_keys_lookup
from tests.factories import ChildFactory

ACTIVE = ('"directory_child".status = %s', ["active"])


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _rank(query: MatchQuery, *, wide: bool) -> None:
    candidates_rank(query=query, condition=ACTIVE, limit=5, using="default", wide=wide)


def _keys_statements(statements: set[str]) -> set[str]:
    return {text for text in statements if "directory_familynamekey" in text}


def test_the_keys_lookup_and_only_the_narrow_stage_with_a_date_of_birth_are_prepared(world):
    before = _prepared()
    query_keys_lookup(MatchQuery("Thompsen", "Oliver"), using="default")
    assert len(_keys_statements(_prepared() | before)) == 1
    before = _prepared()
    _rank(MatchQuery("Thompsen", "Oliver", date(2015, 3, 27)), wide=False)
    narrow = _prepared() - before
    assert len(narrow) == 1
    _rank(MatchQuery("Thompsen", "Oliver", date(2015, 3, 27)), wide=True)
    _rank(MatchQuery("Thompsen", "Oliver"), wide=False)
    _rank(MatchQuery("Thompsen", "Oliver"), wide=True)
    assert _prepared() - before == narrow


NAMES = [
    MatchQuery("Thompsen", "Oliver"),  # a slip
    MatchQuery("Hompson", ""),  # the first letter lost
    MatchQuery("Tompsin", "Maya"),  # two slips
    MatchQuery("Ng", "Li"),  # short: one slip only
    MatchQuery("Smith-Thompson", "Oliver"),  # one part of a double-barrelled name
    MatchQuery("Oliver", "Thompson"),  # the names the wrong way round
    MatchQuery("Thömpson", "Olivér"),  # accents
    MatchQuery("Zzyzx", "Qq"),  # nothing near
]


@pytest.mark.parametrize("mode", ["force_custom_plan", "force_generic_plan"])
def test_the_prepared_keys_lookup_answers_as_the_statement_planned_each_time(world, settings, mode):
    for family in ("Ng", "Nguyen", "Smith-Thompson", "Thomson", "Hampson", "Tompkins"):
        ChildFactory(family_name=family, local_authority=world.leeds)
    settings.DATABASE_PREPARED_STATEMENTS = False
    planned_each_time = [query_keys_lookup(query, using="default") for query in NAMES]
    assert any(len(keys.family.keys) > 2 for keys in planned_each_time)  # the test can tell
    settings.DATABASE_PREPARED_STATEMENTS = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('plan_cache_mode', %s, true)", [mode])
    for _ in range(2):  # the second round on the plan kept from the first
        assert [query_keys_lookup(query, using="default") for query in NAMES] == planned_each_time
