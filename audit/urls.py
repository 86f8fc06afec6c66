from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("my-lookups/", views.my_lookups, name="my_lookups"),
    path("team-lookups/", views.team_lookups, name="team_lookups"),
    path("child-viewers/", views.child_viewers_start, name="child_viewers_start"),
    path("children/<str:public_id>/viewers/", views.child_viewers, name="child_viewers"),
]
