from django.urls import path

from . import views

app_name = "access"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("enrol/", views.enrol, name="enrol"),
    path("logout/", views.logout_view, name="logout"),
]
