"""A supervisor reviews a misuse alert about their team, and an auditor reads the dashboard.

The alert is raised the way the review pipeline raises it, over lookups written through the
one writer of the log; everything after that is what a person does in the browser.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from access.models import Role
from audit.alerts.services import alert_raise
from audit.models import AccessEvent, Alert
from audit.review.detectors.base import Finding
from audit.review.windows import Window
from audit.writer import Actor, access_event_record
from tests.factories import UserFactory

from .journeys import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _own_name_alert(world) -> Alert:
    """bob searches for his own family name and opens maya's record: evidence of the kind
    the own_family detector finds."""
    bob = world.bob
    actor = Actor(bob.pk, bob.username, bob.role, bob.organisation_id, "192.0.2.7", "browser")
    ids = []
    with transaction.atomic():
        for born in ("2014-06-02", "2016-11-19", "2015-03-27"):
            ids.append(
                access_event_record(
                    actor=actor,
                    action=AccessEvent.Action.SEARCH,
                    outcome=AccessEvent.Outcome.SHOWN,
                    purpose="current_involvement",
                    criteria={"family_name": bob.last_name, "date_of_birth": born},
                    result_ids=[world.maya.public_id],
                ).pk
            )
        ids.append(
            access_event_record(
                actor=actor,
                action=AccessEvent.Action.VIEW,
                outcome=AccessEvent.Outcome.SHOWN,
                purpose="current_involvement",
                child_public_id=world.maya.public_id,
            ).pk
        )
    now = timezone.now()
    return alert_raise(
        detector="own_family",
        finding=Finding(
            subject_id=bob.pk,
            severity="medium",
            summary="Searched 3 times for children with their own family name.",
            evidence_ids=ids,
            key="browser",
        ),
        window=Window(start=now - timedelta(days=1), end=now),
        now=now,
    )


def test_it_takes_a_supervisor_from_the_queue_to_a_recorded_outcome(
    world, live_server, page, screenshot
):
    alert = _own_name_alert(world)
    sign_in(page, live_server.url, world.sam)

    page.click("nav >> text=Alerts")
    expect(page.locator("h1")).to_have_text("Misuse alerts")
    expect(page.locator("table")).to_contain_text(world.bob.get_full_name())
    expect(page.locator("table")).to_contain_text("Own family name or address")
    assert_accessible(page)
    screenshot("20-alert-queue")

    page.click(f"text={world.bob.get_full_name()}")
    expect(page.locator("h1")).to_have_text(world.bob.get_full_name())
    evidence = page.locator("table.cp-evidence")
    expect(evidence).to_contain_text(world.maya.public_id)
    expect(evidence).to_contain_text(world.bob.last_name)
    expect(evidence).to_contain_text("Record view")
    expect(page.locator("main")).not_to_contain_text(world.maya.postcode)
    assert_accessible(page)
    screenshot("21-alert-detail")

    page.click("button:has-text('Record outcome')")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose an outcome")
    assert_accessible(page)

    page.get_by_label("Needs training: careless, not malicious").check()
    page.fill("#id_note", "Bob was checking the system worked with his own name. Retrained.")
    page.click("button:has-text('Record outcome')")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Alert {alert.pk} closed: needs training."
    )
    expect(page.locator("main")).to_contain_text("Retrained.")
    assert_accessible(page)
    screenshot("22-alert-decided")
    alert.refresh_from_db()
    assert alert.outcome == Alert.Outcome.NEEDS_TRAINING


def test_it_shows_an_auditor_the_dashboard(world, live_server, page, screenshot):
    auditor = UserFactory(username="ivy", organisation=world.council, role=Role.AUDITOR)
    alert = _own_name_alert(world)
    sign_in(page, live_server.url, auditor)

    page.goto(f"{live_server.url}/audit/alerts/{alert.pk}/")
    page.get_by_label("Misuse", exact=True).check()
    page.fill("#id_note", "Confirmed with the school: no reason to look.")
    page.click("button:has-text('Record outcome')")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("closed: misuse")

    page.click("text=Back to alerts")
    page.click("text=See the dashboard")
    expect(page.locator("h1")).to_have_text("Misuse dashboard")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("100%")
    assert_accessible(page)
    screenshot("23-misuse-dashboard")
