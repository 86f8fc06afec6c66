from django.apps import AppConfig


class OperatorCommandsConfig(AppConfig):
    """Replaces Django's own operator commands that would bypass our rules.

    Listed before ``django.contrib.auth`` in INSTALLED_APPS, because the first app to define
    a command wins; it holds no models, admin or templates, so its place changes nothing else.
    """

    name = "access.operator"
    label = "access_operator"
