from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("my-lookups/", views.my_lookups, name="my_lookups"),
]
