"""Roles, database and extensions in the embedded PostgreSQL; the same as
deploy/postgres-init/10-contactpoint.sql does for docker-compose.

Two roles, so that the application cannot change what it is audited by:
contactpoint_owner owns the tables and runs migrations; contactpoint_app is what the web
server and workers use, with row access only.
"""

import psycopg2
from psycopg2 import sql

from .stack_common import say

SUPERUSER = "postgres"
OWNER_ROLE = "contactpoint_owner"
APP_ROLE = "contactpoint_app"
DATABASE = "contactpoint"
EXTENSIONS = ("pg_trgm", "fuzzystrmatch", "unaccent")


def connect(port: int, dbname: str, user: str = SUPERUSER):
    """A connection over TCP; trust authentication means no password."""
    return psycopg2.connect(
        host="127.0.0.1", port=port, user=user, dbname=dbname, connect_timeout=5
    )


def provision(port: int) -> None:
    """Create the two roles, the database and the extensions; safe to repeat.

    Unlike production, the owner may create databases: pytest-django creates the test
    database as that role. The application role gets SELECT/INSERT/UPDATE/DELETE through
    default privileges; the audit log's grants and triggers take away the rest.
    """
    connection = connect(port, "postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            ensure_role(cursor, OWNER_ROLE, "LOGIN CREATEDB NOSUPERUSER NOCREATEROLE")
            ensure_role(cursor, APP_ROLE, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
            # Tests prove what the application role may and may not do by running
            # `SET ROLE contactpoint_app` on the owner's connection. SET TRUE allows exactly
            # that; INHERIT FALSE keeps the owner from silently gaining the app's grants.
            cursor.execute(
                sql.SQL("GRANT {} TO {} WITH INHERIT FALSE, SET TRUE").format(
                    sql.Identifier(APP_ROLE), sql.Identifier(OWNER_ROLE)
                )
            )
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
            missing = cursor.fetchone() is None
            if missing:
                say(f"creating database {DATABASE}")
                cursor.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(DATABASE), sql.Identifier(OWNER_ROLE)
                    )
                )
            # As in production (deploy/postgres-init): only the two roles may connect.
            database, app = sql.Identifier(DATABASE), sql.Identifier(APP_ROLE)
            cursor.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
            cursor.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, app))
    finally:
        connection.close()
    # template1 too: pytest-django's test database is copied from it and needs the same
    # extensions and default privileges.
    for dbname in ("template1", DATABASE):
        prepare_database(port, dbname)


def ensure_role(cursor, name: str, attributes: str) -> None:
    """Create the role, or re-assert its attributes so a hand-edited role is put right."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    verb = "ALTER" if cursor.fetchone() else "CREATE"
    if verb == "CREATE":
        say(f"creating role {name}")
    cursor.execute(sql.SQL(f"{verb} ROLE {{}} {attributes}").format(sql.Identifier(name)))


def prepare_database(port: int, dbname: str) -> None:
    """Extensions (created by the superuser: they are not trusted extensions) and the
    application role's access to tables the owner creates later."""
    connection = connect(port, dbname)
    connection.autocommit = True
    app, owner = sql.Identifier(APP_ROLE), sql.Identifier(OWNER_ROLE)
    try:
        with connection.cursor() as cursor:
            for extension in EXTENSIONS:
                cursor.execute(
                    sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(extension))
                )
            cursor.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(app))
            cursor.execute(
                sql.SQL(
                    "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public "
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
                ).format(owner, app)
            )
            cursor.execute(
                sql.SQL(
                    "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public "
                    "GRANT USAGE, SELECT ON SEQUENCES TO {}"
                ).format(owner, app)
            )
    finally:
        connection.close()


def urls(port: int) -> dict[str, str]:
    """The lines this service contributes to `.data/stack.env`."""
    address = f"127.0.0.1:{port}/{DATABASE}"
    return {
        "DATABASE_URL": f"postgres://{APP_ROLE}@{address}",
        "DATABASE_OWNER_URL": f"postgres://{OWNER_ROLE}@{address}",
    }
