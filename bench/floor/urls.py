"""The floor's URLs, resolved only by ``floor.wsgi.FloorHandler`` (bench server only)."""

from django.urls import path

from . import views

urlpatterns = [
    path("bench-floor/search/", views.search),
    path("bench-floor/children/<str:public_id>/", views.record),
]
