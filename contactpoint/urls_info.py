from django.urls import path

from . import info_views

app_name = "info"

urlpatterns = [
    path("help/", info_views.help_page, name="help"),
    path("accessibility/", info_views.accessibility, name="accessibility"),
    path("privacy/", info_views.privacy, name="privacy"),
]
