"""The footer's help, accessibility statement and privacy pages (issue 17, point 9)."""

import pytest
from django.test import Client

from access.models import Role
from tests.factories import UserFactory

PAGES = ["/info/help/", "/info/accessibility/", "/info/privacy/"]


@pytest.mark.parametrize("path", PAGES)
def test_it_opens_each_footer_page_before_sign_in(db, path):
    response = Client().get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_it_links_every_footer_page_from_every_page(db):
    page = Client().get("/accounts/login/").content.decode()
    for path in PAGES:
        assert f'href="{path}"' in page


def test_the_statement_has_the_model_statements_sections(db):
    page = Client().get("/info/accessibility/").content.decode()
    for heading in (
        "Compliance status",
        "Non-accessible content",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "How we tested this service",
    ):
        assert heading in page
    assert "axe-core" in page and "390 by 844" in page


def test_the_privacy_notice_says_how_long_from_settings(db, settings):
    settings.ACCOUNT_IDLE_DAYS = 77
    page = Client().get("/info/privacy/").content.decode()
    assert "not used for 77 days" in page
    assert "record of everything you do" in page


def test_help_names_the_signed_in_users_organisation_admins(world, as_user):
    UserFactory(
        organisation=world.school_a, role=Role.ORG_ADMIN, first_name="Olu", last_name="Admin"
    )
    UserFactory(
        organisation=world.school_b, role=Role.ORG_ADMIN, first_name="Other", last_name="Admin"
    )
    page = as_user(world.alice).get("/info/help/").content.decode()
    assert "Olu Admin" in page
    assert "Other Admin" not in page


def test_help_names_no_one_before_sign_in(db):
    page = Client().get("/info/help/").content.decode()
    assert 'id="admins"' not in page
    assert "Ask your manager or your IT service desk" in page


def test_help_gives_the_service_email_only_when_configured(db, settings):
    assert "mailto:" not in Client().get("/info/help/").content.decode()
    settings.SERVICE_SUPPORT_EMAIL = "contactpoint@example.org"
    assert "mailto:contactpoint@example.org" in Client().get("/info/help/").content.decode()
