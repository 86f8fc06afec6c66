"""DATABASE_REPLICA_URL is read strictly: anything but a PostgreSQL database on another server
stops the start, since reads would otherwise go somewhere unexpected."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from contactpoint.settings.base import replica_database

PRIMARY = {"HOST": "db.internal", "PORT": 5432, "NAME": "contactpoint", "CONN_MAX_AGE": 60}


@pytest.mark.parametrize(
    "url",
    [
        "mysql://app@replica.internal/contactpoint",
        "not a url",
        "postgres://app@replica.internal:port/contactpoint",
        "postgres:///contactpoint",
        "postgres://app@replica.internal:5432/",
    ],
)
def test_it_refuses_a_replica_url_that_is_not_a_postgres_database(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL"):
        replica_database(url, primary=PRIMARY)


def test_it_refuses_the_primary_as_its_own_replica():
    with pytest.raises(ImproperlyConfigured, match="names the primary"):
        replica_database("postgres://app@db.internal:5432/contactpoint", primary=PRIMARY)


def test_it_keeps_the_primary_connection_lifetime_for_the_replica():
    config = replica_database("postgres://app@replica.internal:5432/contactpoint", primary=PRIMARY)
    assert (config["HOST"], config["PORT"], config["NAME"]) == (
        "replica.internal",
        5432,
        "contactpoint",
    )
    assert config["CONN_MAX_AGE"] == 60
