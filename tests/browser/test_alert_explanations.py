"""A reviewer reads, beside each record an alert's subject opened, what the directory says
connected them to the child (issue 21: "alerts show the explanation"), on a desktop and on a
phone. The lookups are explained by the review pipeline itself, including a case opened in
the days after a lookup, which is read once the day has settled, and one opened later still,
read by the late settle (``MISUSE_LATE_FOLLOW_UP_DAYS``) after the alert was raised.

Full-page screenshots go to screenshots/alert_explanations_*.png so a person can look at them.
"""

from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from access.models import Role
from audit.alerts.services import alert_raise
from audit.models import Alert, LookupExplanation
from audit.review.detectors.base import Finding
from audit.review.pipeline import misuse_review_run
from audit.review.windows import Window
from audit.writer import PastEvent, access_events_load_synthetic
from tests.factories import (
    ChildFactory,
    InvolvementFactory,
    PractitionerFactory,
    UserFactory,
    actor_for,
)

from .journeys import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _explained_alert(world) -> Alert:
    """dora opens a child on her caseload, a child whose case her team opens two days later,
    a child only her authority connects her to, and a child whose case her team opens eight
    days later; the pipeline explains them once the day has settled, an alert cites them,
    and the late settle explains the fourth afterwards."""
    day = timezone.localdate() - timedelta(days=settings.MISUSE_LATE_FOLLOW_UP_DAYS + 3)
    morning = datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())
    # Family names of their own: children of one name at one postcode are one household, and
    # the factory's random names and shared postcode made that happen now and then (CI,
    # session 13: the referred child read as a sibling, never as a case opened later).
    own = ChildFactory(local_authority=world.leeds, family_name="Ashdown")
    named = PractitionerFactory(organisation=world.council, user=world.dora)
    InvolvementFactory(child=own, organisation=world.council, practitioner=named)
    referred = ChildFactory(local_authority=world.leeds, family_name="Brightwater")
    InvolvementFactory(
        child=referred, organisation=world.council, started_on=day + timedelta(days=2)
    )
    stranger = ChildFactory(local_authority=world.leeds, family_name="Copperfield")
    assessed = ChildFactory(local_authority=world.leeds, family_name="Dunmore")
    InvolvementFactory(
        child=assessed, organisation=world.council, started_on=day + timedelta(days=8)
    )
    actor = actor_for(world.dora)
    access_events_load_synthetic(
        [PastEvent(occurred_at=morning + timedelta(minutes=10 * n), actor=actor, action="view",
                   outcome="shown", purpose="current_involvement", child_public_id=c.public_id)
         for n, c in enumerate((own, referred, stranger, assessed))]
    )  # fmt: skip
    # The morning the day settled: the alert is raised then, before the late settle.
    settled = morning + timedelta(days=settings.MISUSE_FOLLOW_UP_DAYS + 1)
    misuse_review_run(now=settled)
    ids = list(
        LookupExplanation.objects.filter(actor_id=world.dora.pk)
        .order_by("event_id")
        .values_list("event_id", flat=True)
    )
    assert len(ids) == 4
    alert = alert_raise(
        detector="unexplained_user",
        finding=Finding(
            subject_id=world.dora.pk,
            severity="medium",
            summary="Opened 1 child today whom nothing connects them to but where they live.",
            evidence_ids=ids,
            key="browser-explanations",
        ),
        window=Window(start=morning - timedelta(hours=10), end=morning + timedelta(hours=14)),
        now=timezone.now(),
    )
    misuse_review_run(now=timezone.now())
    return alert


@pytest.mark.parametrize(("name", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_it_shows_the_reviewer_what_explains_each_lookup(
    world, live_server, page, screenshot, name, viewport
):
    alert = _explained_alert(world)
    auditor = UserFactory(username="ivy", organisation=world.council, role=Role.AUDITOR)
    page.set_viewport_size(viewport)
    sign_in(page, live_server.url, auditor)

    page.goto(f"{live_server.url}/audit/alerts/{alert.pk}/")
    expect(page.locator("h1")).to_have_text(world.dora.get_full_name())
    cells = page.locator("table.cp-evidence td.cp-explanation")
    expect(cells).to_have_count(4)
    expect(cells.nth(0)).to_contain_text("Strong")
    expect(cells.nth(0)).to_contain_text("The user is the child's named practitioner")
    expect(cells.nth(1)).to_contain_text("Medium")
    expect(cells.nth(1)).to_contain_text("A case opened in the days after")
    expect(cells.nth(2)).to_contain_text("Weak")
    expect(cells.nth(2)).to_contain_text("The child lives in the user's authority")
    # Explained by the late settle after the alert was raised; the alert stays as it was.
    expect(cells.nth(3)).to_contain_text("Medium")
    expect(cells.nth(3)).to_contain_text("A case opened in the days after")
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN
    screenshot(f"alert_explanations_{name}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the alert is {width} px wide on a {name}"
    assert_accessible(page)
