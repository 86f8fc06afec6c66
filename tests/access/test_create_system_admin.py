"""The first system admin: created with no password, who chooses one on a one-time link."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from access.models import Role, User


def _create(**extra) -> str:
    out = StringIO()
    options = {"username": "first.admin", "email": "it@council.example", **extra}
    call_command("create_system_admin", stdout=out, **options)
    return out.getvalue()


def _link_path(output: str) -> str:
    line = next(line for line in output.splitlines() if "/accounts/password-reset/" in line)
    return line.split("127.0.0.1:8000", 1)[1]


@pytest.mark.django_db
def test_it_creates_a_staff_system_admin_with_no_usable_password():
    _create()
    user = User.objects.get(username="first.admin")
    assert (user.role, user.is_staff, user.has_usable_password()) == (
        Role.SYSTEM_ADMIN,
        True,
        False,
    )
    assert not user.reads_child_data


@pytest.mark.django_db
def test_it_prints_a_link_on_which_the_admin_chooses_a_password():
    client = Client()
    form = client.get(_link_path(_create()), follow=True)
    assert form.status_code == 200
    password = "a-long-passphrase-nobody-else-knows-42"
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
    )
    assert done.status_code == 200
    assert User.objects.get(username="first.admin").check_password(password)


@pytest.mark.django_db
def test_it_refuses_a_username_that_exists(world):
    with pytest.raises(CommandError, match="already exists"):
        _create(username="ADA")


@pytest.mark.django_db
def test_it_refuses_a_bad_email_address():
    with pytest.raises(CommandError, match="valid email"):
        _create(email="not-an-address")
    assert not User.objects.filter(username="first.admin").exists()


@pytest.mark.django_db
def test_it_refuses_createsuperuser_and_names_the_command_to_use():
    """createsuperuser used to fail with a role-ceiling traceback (a superuser with no
    organisation); now it refuses at once and says what to run."""
    with pytest.raises(CommandError, match="create_system_admin"):
        call_command("createsuperuser", "--noinput", username="root", email="r@example.org")
    assert not User.objects.filter(username="root").exists()
