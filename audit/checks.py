"""System checks: a deployment without a usable signing key fails at ``migrate``, not weeks
later when someone needs the audit log to be trusted."""

import stat
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from .sealing.keys import signing_key


@register()
def audit_signing_key_check(app_configs=None, **kwargs) -> list:
    try:
        signing_key()
    except ImproperlyConfigured as error:
        return [Error(str(error), id="audit.E001")]
    path = settings.AUDIT_SIGNING_KEY_FILE
    if path and not settings.AUDIT_SIGNING_KEY:
        mode = stat.S_IMODE(Path(path).stat().st_mode)
        if mode & 0o077:
            return [
                Warning(
                    f"{path} is readable by other users (mode {mode:o}); make it 0600.",
                    id="audit.W001",
                )
            ]
    return []
