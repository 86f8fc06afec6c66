"""Which second factor does what: the rules about security keys, TOTP and recovery codes.

Every sign-in step, step-up and sign-in-methods page asks here, so each rule has one home
(docs/sign-in.md):

- A security key (WebAuthn) is the strong factor: it answers only to this site's origin, so
  a look-alike site cannot relay it the way it can relay a typed TOTP code.
- Roles in ``WEBAUTHN_REQUIRED_ROLES`` (admins, who give and take access; data managers, who
  hold a whole authority) must use a key: once they have one, a TOTP code alone no longer
  completes their sign-in, and until they have one they can do nothing but add one.
- Step-up asks for the strongest factor the user has: their key if they have one, else TOTP.
  A recovery code never steps up: it is for getting in when the usual factor is lost, not a
  fresh proof before reaching a child outside scope.
"""

from django.conf import settings
from django_otp_webauthn.models import WebAuthnCredential

from ..models import User


def security_key_required(user: User) -> bool:
    return user.role in settings.WEBAUTHN_REQUIRED_ROLES


def has_security_key(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def totp_completes_sign_in(user: User) -> bool:
    """False for a user who must use a key and has one: the code is refused."""
    return not (security_key_required(user) and has_security_key(user))


def missing_required_key(user: User) -> bool:
    """A user who must use a key but has none yet: signed in with TOTP, they may only add one."""
    return security_key_required(user) and not has_security_key(user)


def step_up_uses_security_key(user: User) -> bool:
    return has_security_key(user)


def security_key_removal_refusal(user: User) -> str:
    """Why ``user`` may not remove one of their keys now, or "" if they may. Removing the last
    key of someone who must have one would put them back on TOTP alone."""
    keys = WebAuthnCredential.objects.filter(user=user, confirmed=True).count()
    if security_key_required(user) and keys <= 1:
        return (
            "Your role needs a security key to sign in. Add another security key before you "
            "remove this one."
        )
    return ""
