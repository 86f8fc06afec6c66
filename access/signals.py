"""Login, logout and failed-login events go to the lookup log; sessions are tracked per user
so that deactivating a user ends every session they hold."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record_now

from .models import User, UserSession


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.get_or_create(user=user, session_key=request.session.session_key)
    access_event_record_now(
        actor=Actor.from_request(request, user),
        action=AccessEvent.Action.LOGIN,
        outcome=AccessEvent.Outcome.OK,
        reason="password accepted; second factor pending",
    )


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is None:
        return
    access_event_record_now(
        actor=Actor.from_request(request, user),
        action=AccessEvent.Action.LOGOUT,
        outcome=AccessEvent.Outcome.OK,
    )


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    actor = Actor.from_request(request, None)
    access_event_record_now(
        actor=actor,
        action=AccessEvent.Action.LOGIN_FAILED,
        outcome=AccessEvent.Outcome.FAILED,
        criteria={"username": str(credentials.get("username", ""))[:150]},
    )


@receiver(post_save, sender=User)
def _end_sessions_of_inactive_user(sender, instance: User, **kwargs):
    """Rule: deactivating a user ends their sessions at once, not at the next timeout."""
    if not instance.is_active:
        from .services import user_sessions_end

        user_sessions_end(user=instance)
