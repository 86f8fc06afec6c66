"""System check: a deployment without a usable field key-encryption key fails at ``migrate``
(which seals existing rows) and at start, not at the first record someone opens."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from .sealing.provider import key_provider


@register()
def field_kek_check(app_configs=None, **kwargs) -> list:
    try:
        key_provider().current_id()
    except (ImproperlyConfigured, ImportError) as error:
        return [Error(str(error), id="directory.E001")]
    return []
