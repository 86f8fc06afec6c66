from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("children/<str:public_id>/", views.record, name="record"),
]
