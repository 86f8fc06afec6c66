"""The checks every read passes before any child row is touched."""

from datetime import date

from access.models import vetting_problems
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record_now

from .errors import SearchRefused

NOT_A_READER = "Your role does not give access to children's records."


def ensure_may_read(*, user, actor: Actor, today: date, purpose: str, criteria: dict) -> None:
    """Refuse (and audit the refusal) unless ``user`` holds a reading role and is vetted.

    Rule (vetting): searching needs an accredited organisation and a current DBS check,
    training and user agreement. The refusal does not depend on any child, so it cannot leak
    whether a child exists.
    """
    reasons = [] if user.reads_child_data else [NOT_A_READER]
    if not reasons:
        reasons = vetting_problems(user, today=today)
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
