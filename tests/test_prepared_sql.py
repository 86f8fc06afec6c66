"""Statements planned once per session (contactpoint/prepared_sql.py): the same rows as a
plain statement, prepared once, and never an EXECUTE of a statement the session lacks."""

import pytest
from django.db import connection, transaction

from contactpoint import prepared_sql

SQL = "SELECT n, %s::text || n FROM generate_series(1, %s) AS n WHERE %s::text LIKE 'a%%'"


def _prepared_here() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _plain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.mark.django_db
def test_it_answers_as_the_plain_statement_does():
    params = ["x", 3, "abc"]

    assert prepared_sql.fetchall(SQL, params, using="default") == _plain(SQL, params)
    assert prepared_sql.fetchall(SQL, ["y", 0, "abc"], using="default") == []


@pytest.mark.django_db
def test_it_prepares_a_statement_once_per_session():
    for count in (1, 2, 3):
        prepared_sql.fetchall(SQL, ["x", count, "a"], using="default")

    assert prepared_sql.statement_name(SQL) in _prepared_here()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE name = %s",
            [prepared_sql.statement_name(SQL)],
        )
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_it_keeps_a_statement_prepared_in_a_transaction_that_rolled_back():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        prepared_sql.fetchall(SQL, ["x", 1, "a"], using="default")
        raise ZeroDivisionError

    assert prepared_sql.fetchall(SQL, ["x", 1, "a"], using="default") == [(1, "x1")]


@pytest.mark.django_db(transaction=True)
def test_it_prepares_again_on_a_new_connection():
    prepared_sql.fetchall(SQL, ["x", 1, "a"], using="default")
    connection.close()

    assert prepared_sql.fetchall(SQL, ["x", 2, "a"], using="default") == [(1, "x1"), (2, "x2")]
    assert prepared_sql.statement_name(SQL) in _prepared_here()


@pytest.mark.django_db
def test_it_starts_again_past_the_most_a_session_may_hold(monkeypatch):
    monkeypatch.setattr(prepared_sql, "PREPARED_MAX", 2)
    texts = [f"SELECT {n} + %s" for n in range(3)]

    answers = [prepared_sql.fetchall(text, [1], using="default") for text in texts]

    assert answers == [[(1,)], [(2,)], [(3,)]]
    assert prepared_sql.statement_name(texts[2]) in _prepared_here()
    assert prepared_sql.statement_name(texts[0]) not in _prepared_here()


@pytest.mark.django_db
def test_it_prepares_nothing_when_turned_off(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False

    assert prepared_sql.fetchall(SQL, ["x", 1, "a"], using="default") == [(1, "x1")]
    assert prepared_sql.statement_name(SQL) not in _prepared_here()


def test_it_numbers_placeholders_and_keeps_literal_percent_signs():
    text = prepared_sql.prepare_text("SELECT %s, 'a%%', %s")

    assert text.endswith("AS SELECT $1, 'a%', $2")


def test_it_sends_a_named_value_once_for_each_place_it_is_named():
    sql, names = prepared_sql.positional("SELECT %(a)s, 'b%%', %(c)s, %(a)s")

    assert sql == "SELECT %s, 'b%%', %s, %s"
    assert names == ["a", "c", "a"]


@pytest.mark.django_db
def test_it_answers_a_named_statement_as_the_plain_one_does():
    named = "SELECT %(n)s::int + n FROM generate_series(1, %(n)s) AS n WHERE %(t)s LIKE 'a%%'"
    values = {"n": 2, "t": "ab"}
    sql, names = prepared_sql.positional(named)

    assert prepared_sql.fetchall(sql, [values[n] for n in names], using="default") == _plain(
        named, values
    )
