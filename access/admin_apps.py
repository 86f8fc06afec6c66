"""Installs ``access.admin_site.ContactPointAdminSite`` as ``admin.site``.

Named in ``INSTALLED_APPS`` in place of ``django.contrib.admin``. Kept apart from the site
itself because this module is imported before any model is loaded.
"""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "access.admin_site.ContactPointAdminSite"
