"""Django admin pages an admin works in, checked with axe like the service's own pages
(issue 17: "0 axe violations of serious or critical impact on every page the journeys visit,
Django admin included"): the user list with the vetting filter, a user's page, the approvers'
queue, a change waiting for a decision, and the change history."""

import pytest

from access.models import Role
from access.provisioning.services import provisioning_request_create
from access.services import org_admin_grant
from tests.factories import UserFactory, actor_for

from .journeys import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_admin_pages_have_no_serious_accessibility_faults(world, live_server, page, viewport):
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    olive = UserFactory(
        username="olive", organisation=world.school_a, role=Role.ORG_ADMIN, is_staff=True
    )
    org_admin_grant(user=olive, organisation=world.school_a)
    pending = provisioning_request_create(
        kind="second_factor_reset", target=world.alice, requested_by=olive, actor=actor_for(olive)
    )
    sign_in(page, live_server.url, world.ada)
    for path in (
        "/admin/",
        "/admin/access/user/?lapses=soon",
        f"/admin/access/user/{world.alice.pk}/change/",
        "/admin/provisioning/",
        f"/admin/provisioning/{pending.pk}/",
        "/admin/auditlog/logentry/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)
