"""The signed-in user (with organisation and local authority) and their confirmed TOTP
devices, loaded with one fixed SQL statement (``contactpoint.fixed_sql``).

Why (issue 16): every page loads both, and through the ORM building and compiling the
queries cost more CPU than PostgreSQL spent running them (the user's alone about a tenth of
an audited search's web time); then as two fixed statements, the second was one more round
trip on every page. Nothing is cached between requests: a deactivated account, a changed
organisation or a removed or unconfirmed device is seen by the next request.
``access.middleware.SecondFactorDeviceMiddleware`` takes the session's device from the
user's confirmed TOTP devices read here; a device that is not among them (another user's,
unconfirmed, gone) verifies nothing, as django-otp decides for a device it loads itself.
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
    return (
        f"SELECT {user_columns()}, {columns(TOTPDevice, 'd')} "  # noqa: S608 - model columns only
        f"FROM access_user u {USER_JOINS} "
        "LEFT JOIN otp_totp_totpdevice d ON d.user_id = u.id AND d.confirmed "
        "WHERE u.id = %s ORDER BY d.id"
    )


def user_load(user_id, *, using: str = "default") -> User | None:
    """The user ``user_id`` with ``organisation`` and its ``local_authority`` attached (as
    ``select_related`` would), and their confirmed TOTP devices by id in
    ``confirmed_totp_devices``; or None."""
    with connections[using].cursor() as cursor:
        cursor.execute(_user_statement(), [user_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    user = user_from_row(rows[0], using=using)
    devices = {}
    for row in rows:
        device_values = row[user_width() :]
        if device_values[0] is not None:  # the device's id
            device = instance(TOTPDevice, device_values, using)
            TOTPDevice._meta.get_field("user").set_cached_value(device, user)
            devices[device.pk] = device
    user.confirmed_totp_devices = devices
    return user


def session_totp_device(user, persistent_id: str) -> TOTPDevice | None:
    """The TOTP device named by django-otp's persistent id ``otp_totp.totpdevice/<id>`` among
    the user's confirmed devices as ``user_load`` read them; None if it is not one of them.
    For a user loaded another way, the device is loaded by its id."""
    devices = getattr(user, "confirmed_totp_devices", None)
    if devices is None:
        return totp_device_load(persistent_id)
    number = persistent_id.removeprefix(TOTP_PERSISTENT_PREFIX)
    return devices.get(int(number)) if number.isdigit() else None


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
