"""What Django admin's user change form posts, for tests that drive admin as a person would."""

from django.urls import reverse

from access.models import User


def change_url(user: User) -> str:
    return reverse("admin:access_user_change", args=[user.pk])


def _iso(value) -> str:
    return value.isoformat() if value else ""


def user_form(user: User, **changes) -> dict:
    """What the admin change form posts for ``user`` with ``changes`` applied; a change to
    None leaves the field out, as an unticked checkbox does."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "job_title": user.job_title,
        "phone": user.phone,
        "organisation": user.organisation_id or "",
        "role": user.role,
        "supervisor": user.supervisor_id or "",
        "is_active": "on" if user.is_active else None,
        "dbs_certificate_number": user.dbs_certificate_number,
        "dbs_checked_on": _iso(user.dbs_checked_on),
        "training_completed_on": _iso(user.training_completed_on),
        "agreement_signed_on": _iso(user.agreement_signed_on),
        "_save": "Save",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}
