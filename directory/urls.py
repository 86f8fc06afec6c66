from django.urls import path

from . import retention_views, views

app_name = "directory"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("children/<str:public_id>/", views.record, name="record"),
    path("children/<str:public_id>/legal-hold/", retention_views.legal_hold, name="legal_hold"),
]
