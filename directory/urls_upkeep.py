from django.urls import path

from . import upkeep_views

app_name = "corrections"

urlpatterns = [
    path("children/<str:public_id>/involvements/", upkeep_views.involvements, name="involvements"),
    path(
        "children/<str:public_id>/involvements/add/",
        upkeep_views.involvement_add,
        name="involvement_add",
    ),
    path(
        "children/<str:public_id>/involvements/end/",
        upkeep_views.involvement_stop,
        name="involvement_end",
    ),
    path("children/<str:public_id>/report/", upkeep_views.report, name="report"),
    path("corrections/", upkeep_views.corrections, name="queue"),
    path("corrections/<int:correction_id>/", upkeep_views.correction, name="item"),
]
