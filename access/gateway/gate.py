"""The checks every read passes before any child row is touched."""

from datetime import date

from access.models import User, vetting_problems
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record_now

from .errors import SearchRefused
from .rate import lookup_allowance_take, rate_limited_message

NOT_A_READER = "Your role does not give access to children's records."


def ensure_may_read(*, user: User, actor: Actor, today: date, purpose: str, criteria: dict) -> None:
    """Refuse (and audit the refusal) unless ``user`` holds a reading role, is vetted and has
    lookups left in the current rate window.

    Rule (vetting): searching needs an accredited organisation and a current DBS check,
    training and user agreement. The refusal does not depend on any child, so it cannot leak
    whether a child exists.
    """
    reasons = [] if user.reads_child_data else [NOT_A_READER]
    if not reasons:
        reasons = vetting_problems(user, today=today)
    if not reasons and not lookup_allowance_take(user_id=user.pk):
        reasons = [rate_limited_message()]
    if reasons:
        access_event_record_now(
            actor=actor,
            action=AccessEvent.Action.REFUSED,
            outcome=AccessEvent.Outcome.REFUSED,
            purpose=purpose,
            criteria=criteria,
            reason=" ".join(reasons),
        )
        raise SearchRefused(reasons)
