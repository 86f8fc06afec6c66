"""Admin changes to a reader's account, reviewed with what the account did next.

Threat (issue "Nobody gives themselves access", issue 21): an administrator changes a
reader's role, organisation, supervisor or active flag — their own account, or a friend's —
and the account then opens children nothing connects it to. Each change is in the log as an
``admin_change`` event sealing django-auditlog's entry (``audit.admin_history``). For every
such change to a user account in the last ``span_days``: a change to the admin's own account
raises a high alert at once; otherwise, once the changed account has opened at least
``min_unexplained`` children since the change that nothing but residence explains, a medium
alert about the admin, with the change and those lookups as evidence. The key is the entry,
so each change is raised once.
"""

from __future__ import annotations

import json
from datetime import timedelta

from ..windows import DAY, Window
from .base import EVIDENCE_CAP, Detector, Finding, rows

FIELDS = frozenset({"role", "organisation", "supervisor", "is_active"})

_CHANGES = """
SELECT e.id, e.actor_id, l.id, l.object_pk, l.changes::text, e.occurred_at
FROM audit_accessevent e
JOIN auditlog_logentry l ON l.id = (e.criteria->>'log_entry')::bigint
JOIN django_content_type ct ON ct.id = l.content_type_id
WHERE e.action = 'admin_change' AND e.actor_id IS NOT NULL
  AND e.occurred_at >= %(since)s AND e.occurred_at < %(end)s
  AND ct.app_label = 'access' AND ct.model = 'user'
ORDER BY e.id
"""

_AFTER = """
SELECT event_id FROM audit_lookupexplanation
WHERE actor_id = %(reader)s AND occurred_at > %(changed)s AND occurred_at < %(end)s
  AND strength <= 1
ORDER BY event_id
"""


def find(window: Window, params: dict) -> list[Finding]:
    since = window.start - timedelta(days=params["span_days"] - 1)
    findings = []
    for event_id, admin, entry, object_pk, changes, changed in rows(
        _CHANGES, {"since": since, "end": window.end}
    ):
        touched = sorted(FIELDS & set(_changed_fields(changes)))
        if not touched or not str(object_pk).isdigit():
            continue
        reader = int(object_pk)
        what = ", ".join(touched)
        if reader == admin:
            findings.append(Finding(
                subject_id=admin, severity="high", key=f"entry-{entry}",
                summary=f"Changed their own account's {what} as an administrator.",
                evidence_ids=[event_id], evidence_count=1,
            ))  # fmt: skip
            continue
        after = [r[0] for r in rows(_AFTER, {"reader": reader, "changed": changed,
                                             "end": window.end})]  # fmt: skip
        if len(after) < params["min_unexplained"]:
            continue
        findings.append(Finding(
            subject_id=admin, severity="medium", key=f"entry-{entry}",
            summary=(f"Changed user {reader}'s {what}; since then that account opened "
                     f"{len(after)} record(s) nothing in the directory connects it to."),
            evidence_ids=[event_id, *after[: EVIDENCE_CAP - 1]], evidence_count=1 + len(after),
        ))  # fmt: skip
    return findings


def _changed_fields(changes: str) -> list[str]:
    try:
        parsed = json.loads(changes or "{}")
        if isinstance(parsed, str):  # some versions store the JSON as a JSON string
            parsed = json.loads(parsed)
    except ValueError:
        return []
    return list(parsed) if isinstance(parsed, dict) else []


DETECTOR = Detector(
    name="reader_account_change",
    label="Admin change to a reader",
    window=DAY,
    find=find,
    explanation=(
        "Raised when an administrator changed their own account's role, organisation, "
        "supervisor or access, or changed someone else's and that account then opened "
        "records nothing in the directory connects it to. The change and those lookups are "
        "listed below."
    ),
)
