"""The signed-in user (with organisation and local authority) and their second-factor
device, each loaded with one fixed SQL statement (``contactpoint.fixed_sql``).

Why (issue 16): every page loads both, and through the ORM building and compiling the two
queries cost more CPU than PostgreSQL spent running them (the user's alone about a tenth of
an audited search's web time). Nothing is cached between requests: a deactivated account, a
changed organisation or a removed device is seen by the next request.
"""

from __future__ import annotations

from functools import cache

from django.db import connections
from django_otp.plugins.otp_totp.models import TOTPDevice

from contactpoint.fixed_sql import columns, instance, width
from directory.models import LocalAuthority, Organisation

from .models import User

TOTP_PERSISTENT_PREFIX = "otp_totp.totpdevice/"


# The user's organisation and its local authority, joined to ``access_user u``; the API's
# caller check (``api.selectors``) joins the same to its practitioner.
USER_JOINS = (
    "LEFT JOIN directory_organisation o ON o.id = u.organisation_id "
    "LEFT JOIN directory_localauthority la ON la.code = o.local_authority_id"
)


@cache
def user_columns() -> str:
    """What ``user_from_row`` reads, from ``u`` and ``USER_JOINS``."""
    return ", ".join(
        (columns(User, "u"), columns(Organisation, "o"), columns(LocalAuthority, "la"))
    )


def user_width() -> int:
    return width(User) + width(Organisation) + width(LocalAuthority)


@cache
def _user_statement() -> str:
    return f"SELECT {user_columns()} FROM access_user u {USER_JOINS} WHERE u.id = %s"  # noqa: S608 - model columns only


def user_load(user_id, *, using: str = "default") -> User | None:
    """The user ``user_id`` with ``organisation`` and its ``local_authority`` attached (as
    ``select_related`` would), or None."""
    with connections[using].cursor() as cursor:
        cursor.execute(_user_statement(), [user_id])
        row = cursor.fetchone()
    return None if row is None else user_from_row(row, using=using)


def user_from_row(row, *, using: str) -> User:
    """The user of the first ``user_width()`` values of ``row`` (``user_columns()``), with
    ``organisation`` and its ``local_authority`` attached."""
    n_user, n_org = width(User), width(Organisation)
    user = instance(User, row[:n_user], using)
    organisation = None
    if row[n_user] is not None:  # the organisation's id
        organisation = instance(Organisation, row[n_user : n_user + n_org], using)
        authority = instance(LocalAuthority, row[n_user + n_org : user_width()], using)
        Organisation._meta.get_field("local_authority").set_cached_value(organisation, authority)
    User._meta.get_field("organisation").set_cached_value(user, organisation)
    return user


@cache
def _device_statement() -> str:
    return f"SELECT {columns(TOTPDevice, 'd')} FROM otp_totp_totpdevice d WHERE d.id = %s"  # noqa: S608


def totp_device_load(persistent_id: str, *, using: str = "default") -> TOTPDevice | None:
    """The TOTP device named by django-otp's persistent id ``otp_totp.totpdevice/<id>``, or
    None (no such device, or an id of another form)."""
    number = persistent_id.removeprefix(TOTP_PERSISTENT_PREFIX)
    if not number.isdigit():
        return None
    with connections[using].cursor() as cursor:
        cursor.execute(_device_statement(), [int(number)])
        row = cursor.fetchone()
    return None if row is None else instance(TOTPDevice, row, using)
