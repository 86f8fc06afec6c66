"""PostgreSQL: the connections, how long each kind of process waits on them, and the read
replica."""

from django.core.exceptions import ImproperlyConfigured

from .environment import env, env_number, required_url

# --- Bounded waits (issue 20; docs/operations.md) --------------------------------------------
# A stuck PostgreSQL or Redis must give a person the service's own "try again shortly" page in
# a few seconds, never a hang that ends in a reset connection. Each kind of process waits as
# long as its work can: a web request a few seconds, a Celery job (sealing, review, retention)
# up to half an hour, a command run by hand (migrate, seed_demo, the benchmarks) without limit.
# The launcher says which kind a process is (CONTACTPOINT_PROCESS: `make run` and
# docker-compose set it per process; contactpoint/wsgi.py defaults it to "web").
PROCESS_KINDS = ("web", "worker", "command")
PROCESS_KIND = env.str("CONTACTPOINT_PROCESS", default="command")
if PROCESS_KIND not in PROCESS_KINDS:
    raise ImproperlyConfigured(f"CONTACTPOINT_PROCESS must be one of {', '.join(PROCESS_KINDS)}.")
# A web request gives up on a connection in 2 s; a job or command, which nobody is waiting
# on and which may start while PostgreSQL is busy recovering, in 10.
DATABASE_CONNECT_TIMEOUT_SECONDS = env_number(
    "DATABASE_CONNECT_TIMEOUT_SECONDS", default=2 if PROCESS_KIND == "web" else 10, least=0
)
# 0 means no limit. PostgreSQL cancels a statement that runs longer (its connection stays).
DATABASE_STATEMENT_TIMEOUT_MS = {
    "web": env_number("WEB_STATEMENT_TIMEOUT_MS", default=5_000, least=0),
    "worker": env_number("WORKER_STATEMENT_TIMEOUT_MS", default=30 * 60 * 1000, least=0),
    "command": env_number("COMMAND_STATEMENT_TIMEOUT_MS", default=0, least=0),
}[PROCESS_KIND]
# A frozen server cannot cancel its own statement, so the web process also stops waiting by
# itself when PostgreSQL has sent nothing for this long (contactpoint/db_wait.py).
WEB_DATABASE_SILENCE_SECONDS = env_number(
    "WEB_DATABASE_SILENCE_SECONDS", default=DATABASE_STATEMENT_TIMEOUT_MS / 1000 + 1, above=0
)
if PROCESS_KIND == "web" and not (
    DATABASE_CONNECT_TIMEOUT_SECONDS and DATABASE_STATEMENT_TIMEOUT_MS
):
    raise ImproperlyConfigured(
        "The web process needs DATABASE_CONNECT_TIMEOUT_SECONDS and WEB_STATEMENT_TIMEOUT_MS "
        "above 0: a request must never wait for PostgreSQL without end."
    )
if WEB_DATABASE_SILENCE_SECONDS * 1000 <= DATABASE_STATEMENT_TIMEOUT_MS and PROCESS_KIND == "web":
    raise ImproperlyConfigured(
        "WEB_DATABASE_SILENCE_SECONDS must be longer than WEB_STATEMENT_TIMEOUT_MS, so that "
        "PostgreSQL cancels a slow statement itself before the web process gives up on it."
    )


def database_wait_options(options: dict | None = None) -> dict:
    """libpq options bounding how long one connection waits: ``connect_timeout`` and this
    process kind's ``statement_timeout``, added to whatever ``options`` already holds."""
    options = dict(options or {})
    options["connect_timeout"] = DATABASE_CONNECT_TIMEOUT_SECONDS
    server = options.get("options", "")
    options["options"] = f"{server} -c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}".strip()
    return options


def replica_database(url: str, *, primary: dict) -> dict:
    """Connection settings for DATABASE_REPLICA_URL: a PostgreSQL streaming replica of the
    primary. Anything else stops the start, since reads would silently go somewhere wrong."""
    try:
        config = env.db_url_config(url)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not a database URL: {error}") from None
    if config.get("ENGINE") != "django.db.backends.postgresql" or not (
        config.get("HOST") and config.get("NAME")
    ):
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL must be postgres://user@host:port/database, "
            "the primary's database on a PostgreSQL streaming replica."
        )
    if [config[key] for key in ("HOST", "PORT", "NAME")] == [
        primary.get(key) for key in ("HOST", "PORT", "NAME")
    ]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL names the primary (DATABASE_URL).")
    return {
        **config,
        "CONN_MAX_AGE": primary["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": primary.get("OPTIONS", {}),
    }


# --- Connections ------------------------------------------------------------------------------
# DATABASE_URL is the application's role: it may not UPDATE, DELETE or TRUNCATE the audit
# log. DATABASE_OWNER_URL (optional) owns the tables and runs migrations; where only one role
# exists the two are the same and the audit triggers still refuse changes.
_primary = env.db_url_config(required_url("DATABASE_URL"))
_default = {
    **_primary,
    "CONN_MAX_AGE": env_number("DATABASE_CONN_MAX_AGE", default=60, least=0),
    "CONN_HEALTH_CHECKS": True,
    "OPTIONS": database_wait_options(_primary.get("OPTIONS")),
}
# A read replica (optional; docs/scaling.md): the gateway's searches and record reads may run
# on a PostgreSQL streaming replica that has caught up with the primary; audit events and every
# write stay on the primary (access/gateway/replica.py). Unset: everything on the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
DATABASES = {
    "default": _default,
    **({"replica": replica_database(DATABASE_REPLICA_URL, primary=_default)}
       if DATABASE_REPLICA_URL else {}),
    # A second connection to the same database and role, for events that must commit even
    # when the request's transaction rolls back (refusals, logins): ``AUDIT_NOW_DATABASE``.
    "audit": {**_default},
}  # fmt: skip
# The matcher's ranking statement is planned once per session with PostgreSQL's PREPARE
# (contactpoint/prepared_sql.py): its planning cost more than its running. Off behind a
# pooler that shares sessions transaction by transaction (PgBouncer in transaction mode).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="contactpoint_app")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# How long a read waits for the replica to replay what the primary had committed when the read
# began, before reading the primary instead.
DATABASE_REPLICA_WAIT_MS = env_number("DATABASE_REPLICA_WAIT_MS", default=20, least=0)
DATABASE_ROUTERS = ["access.gateway.replica.ReplicaRouter"]
