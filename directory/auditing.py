"""Register directory models with django-auditlog, so every change has a history.

Child fields are masked in the history: the change log is read by admins, who must never see
child data.
"""

from auditlog.registry import auditlog

from .models import Child, Involvement, LocalAuthority, Organisation, Practitioner

auditlog.register(Organisation)
auditlog.register(LocalAuthority)
auditlog.register(Practitioner)
auditlog.register(
    Involvement, include_fields=["organisation", "role", "started_on", "ended_on", "cloaked"]
)
auditlog.register(Child, include_fields=["status", "shielded", "local_authority"])
