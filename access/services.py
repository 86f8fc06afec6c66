"""Writes about users and their sessions."""

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.module_loading import import_string
from django_otp import login as otp_login
from guardian.shortcuts import assign_perm, remove_perm

from directory.models import Organisation

from .admin_permissions import ADMIN_SITE_ROLES, MANAGE_USERS, organisations_granted_to
from .models import Role, User, UserSession
from .sign_in import two_factor
from .sign_in.second_factor_binding import second_factor_bind


def user_sessions_end(*, user: User) -> int:
    """Delete every session ``user`` holds; returns how many were ended."""
    store = session_store_class()
    with transaction.atomic():
        keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
        for key in keys:
            store(session_key=key).delete()
        UserSession.objects.filter(user=user).delete()
    return len(keys)


def session_rotate(*, request: HttpRequest) -> None:
    """Give the signed-in session a new key, keeping its contents.

    Rule (sessions): called when the second factor is verified, so a key learned or planted
    while the session knew only the password (session fixation, a half-signed-in browser left
    open) is void before the session can reach any child. ``UserSession`` follows the new key,
    so deactivating the user still ends this session.
    """
    old_key = request.session.session_key
    request.session.cycle_key()
    new_key = request.session.session_key
    moved = UserSession.objects.filter(user=request.user, session_key=old_key).update(
        session_key=new_key
    )
    if not moved:
        UserSession.objects.get_or_create(user=request.user, session_key=new_key)


def second_factor_login(*, request: HttpRequest, device) -> None:
    """Mark the session verified by ``device`` — a TOTP device, a security key or a recovery
    code set — with a new session key and the binding that makes the verification its own
    (``access.sign_in.second_factor_binding``). Every way of completing sign-in ends here."""
    otp_login(request, device)
    session_rotate(request=request)
    second_factor_bind(request.session, user_id=request.user.pk)


def session_store_class():
    """The configured session engine's store (sessions live in Redis; tests may differ)."""
    return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


def org_admin_grant(*, user: User, organisation: Organisation) -> None:
    """Let organisation admin ``user`` manage ``organisation``'s users.

    Rule: organisation admins are scoped by one guardian row per (admin, organisation), never
    one row per user or child; assigning twice is harmless.
    """
    assign_perm(MANAGE_USERS, user, organisation)


def org_admin_revoke(*, user: User, organisation: Organisation) -> None:
    remove_perm(MANAGE_USERS, user, organisation)


def org_admin_grants_sync(*, user: User, previous_organisation_id: int | None) -> None:
    """Keep ``user``'s ``manage_users`` grants in step with their role and organisation.

    Rule: an admin moved to another organisation, or out of the admin role, stops managing
    the old one at once. Grants for further organisations given on purpose (a trust's shared
    IT admin) are kept while the user stays an organisation admin.
    """
    if user.role != Role.ORG_ADMIN:
        for organisation in organisations_granted_to(user):
            org_admin_revoke(user=user, organisation=organisation)
        return
    if previous_organisation_id not in (None, user.organisation_id):
        previous = Organisation.objects.filter(pk=previous_organisation_id).first()
        if previous is not None:
            org_admin_revoke(user=user, organisation=previous)
    if user.organisation is not None:
        org_admin_grant(user=user, organisation=user.organisation)


def user_save_by_admin(
    *, user: User, created: bool, previous_organisation_id: int | None = None
) -> None:
    """Save a user edited in admin.

    Rules: admins never set a password, so a new user gets an unusable one and chooses their
    own through a reset link; ``is_staff`` follows the role (admins and auditors only), so
    nobody grants admin access by ticking a box.
    """
    with transaction.atomic():
        if created:
            user.set_unusable_password()
        user.is_staff = user.role in ADMIN_SITE_ROLES
        user.save()
        org_admin_grants_sync(user=user, previous_organisation_id=previous_organisation_id)


def user_deactivate(*, user: User) -> None:
    """Rule: deactivation ends every session at once. Saving the user (not a bulk update)
    fires the post_save handler that ends the sessions and the history entry that records
    who did it."""
    user.is_active = False
    user.save(update_fields=["is_active"])


def user_second_factor_reset(*, user: User) -> None:
    """Remove ``user``'s authenticator so they enrol again at next login, and end their
    sessions: a session verified with the old device must not carry over to the new one."""
    with transaction.atomic():
        two_factor.device_reset(user=user)
        user_sessions_end(user=user)


def password_reset_link_send(*, user: User, domain: str, use_https: bool) -> bool:
    """E-mail ``user`` a one-time link to choose their own password; False if there is no
    active user or address to send it to.

    Rule: admins start a reset but never set or see a password. Django's reset token is void
    once the password changes or the timeout passes, and the password chosen on the link's
    page must pass the validators. Unlike ``PasswordResetForm.save`` this also reaches users
    created in admin, whose password is unusable until they choose one.
    """
    if not (user.is_active and user.email):
        return False
    context = {
        "user": user,
        "email": user.email,
        "domain": domain,
        "site_name": "ContactPoint",
        "protocol": "https" if use_https else "http",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    PasswordResetForm().send_mail(
        "access/password_reset_subject.txt",
        "access/password_reset_email.txt",
        context,
        None,
        user.email,
    )
    return True


class BootstrapRefused(Exception):
    """The first system admin cannot be created; the message says why."""


def system_admin_bootstrap(
    *, username: str, email: str, first_name: str, last_name: str
) -> tuple[User, str]:
    """Create a system admin with no password, and return them with the path of a one-time
    link on which they choose their own.

    Rule: nobody sets or reads another person's password, not even at installation; the new
    admin chooses theirs on the link (validators apply), then enrols a second factor at first
    sign-in like everyone else. System admins see no child data (``reads_child_data``).
    """
    if not (username.strip() and email.strip()):
        raise BootstrapRefused("Give a username and an e-mail address.")
    if User.objects.filter(username__iexact=username.strip()).exists():
        raise BootstrapRefused(f"A user called {username.strip()!r} already exists.")
    with transaction.atomic():
        user = User(
            username=username.strip(),
            email=email.strip(),
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            role=Role.SYSTEM_ADMIN,
            is_staff=True,
        )
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return user, f"/accounts/password-reset/{uid}/{token}/"
