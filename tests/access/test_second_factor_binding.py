"""The second factor's verification is bound to the session that earned it (issue 14,
finding 6): whoever can write to the session store cannot mark a session verified."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.sign_in.second_factor_binding import BINDING_KEY
from audit.models import AccessEvent


def password_only(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_device_id_written_into_a_password_only_session_verifies_nothing(world):
    client = password_only(world.alice)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=world.alice).persistent_id
    session.save()  # what someone with write access to Redis could do

    response = client.get("/search/")

    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/second-factor/")
    assert AccessEvent.objects.filter(
        action=AccessEvent.Action.REFUSED, reason__contains="not bound"
    ).exists()


def test_a_verification_copied_from_another_session_verifies_nothing(world, as_user):
    verified = as_user(world.alice).session
    client = password_only(world.alice)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = verified[DEVICE_ID_SESSION_KEY]
    session[BINDING_KEY] = verified[BINDING_KEY]
    session.save()

    assert client.get("/search/").status_code == 302


def test_a_session_verified_by_its_own_code_stays_verified(world, as_user):
    assert as_user(world.alice).get("/search/").status_code == 200
