"""The signed-in user (with organisation and local authority) and their second-factor
device, each loaded with one fixed SQL statement.

Why (issue 16): every page loads both. Through the ORM, building and compiling the two
queries cost more CPU than PostgreSQL spent running them (the user's alone about a tenth of
an audited search's web time). The statements here are written once per process from the
models' own fields, so a new column is read without a change here; the rows become model
instances exactly as the ORM would make them (``Model.from_db``). Nothing is cached between
requests: a deactivated account, a changed organisation or a removed device is seen by the
next request.

A model whose fields need converting from the database (a JSON field, say) is loaded
through the ORM instead, so that nothing is read differently from the ORM.
"""

from __future__ import annotations

from functools import cache

from django.db import connections
from django.db.models import Model
from django_otp.plugins.otp_totp.models import TOTPDevice

from directory.models import LocalAuthority, Organisation

from .models import User

TOTP_PERSISTENT_PREFIX = "otp_totp.totpdevice/"


def _columns(model: type[Model], alias: str) -> list[str]:
    return [f'{alias}."{field.column}"' for field in model._meta.concrete_fields]


def _plain(*models: type[Model], using: str) -> bool:
    """No field of these models converts its value on the way out of the database."""
    connection = connections[using]
    return not any(
        field.get_db_converters(connection) or hasattr(field, "from_db_value")
        for model in models
        for field in model._meta.concrete_fields
    )


@cache
def _user_statement(using: str) -> str | None:
    if not _plain(User, Organisation, LocalAuthority, using=using):
        return None
    columns = _columns(User, "u") + _columns(Organisation, "o") + _columns(LocalAuthority, "la")
    return (
        f"SELECT {', '.join(columns)} FROM access_user u "  # noqa: S608 - model columns only
        "LEFT JOIN directory_organisation o ON o.id = u.organisation_id "
        "LEFT JOIN directory_localauthority la ON la.code = o.local_authority_id "
        "WHERE u.id = %s"
    )


def _instance(model: type[Model], values, using: str) -> Model:
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(using, names, list(values))


def user_load(user_id, *, using: str = "default") -> User | None:
    """The user ``user_id`` with ``organisation`` and its ``local_authority`` attached (as
    ``select_related`` would), or None."""
    sql = _user_statement(using)
    if sql is None:
        users = User._default_manager.db_manager(using)
        return users.select_related("organisation__local_authority").filter(pk=user_id).first()
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    n_user, n_org = len(User._meta.concrete_fields), len(Organisation._meta.concrete_fields)
    user = _instance(User, row[:n_user], using)
    organisation = None
    if row[n_user] is not None:  # the organisation's id
        organisation = _instance(Organisation, row[n_user : n_user + n_org], using)
        authority = _instance(LocalAuthority, row[n_user + n_org :], using)
        Organisation._meta.get_field("local_authority").set_cached_value(organisation, authority)
    User._meta.get_field("organisation").set_cached_value(user, organisation)
    return user


@cache
def _device_statement(using: str) -> str | None:
    if not _plain(TOTPDevice, using=using):
        return None
    columns = ", ".join(_columns(TOTPDevice, "d"))
    return f"SELECT {columns} FROM otp_totp_totpdevice d WHERE d.id = %s"  # noqa: S608


def totp_device_load(persistent_id: str, *, using: str = "default") -> TOTPDevice | None:
    """The TOTP device named by django-otp's persistent id ``otp_totp.totpdevice/<id>``, or
    None (no such device, or an id of another form)."""
    number = persistent_id.removeprefix(TOTP_PERSISTENT_PREFIX)
    sql = _device_statement(using)
    if not number.isdigit():
        return None
    if sql is None:
        return TOTPDevice.objects.using(using).filter(pk=int(number)).first()
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [int(number)])
        row = cursor.fetchone()
    return None if row is None else _instance(TOTPDevice, row, using)
