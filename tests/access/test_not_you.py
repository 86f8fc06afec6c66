"""Every code page lets someone on a shared computer back out (issue 17, point 9)."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

CODE_PAGES = [
    "access/second_factor.html",
    "access/enrolment_code.html",
    "access/step_up.html",
    "access/recovery_code.html",
]


@pytest.mark.parametrize("template", CODE_PAGES)
def test_it_offers_not_you_sign_out_on_each_code_page(world, template):
    request = RequestFactory().get("/")
    world.alice.is_verified = lambda: False  # half signed in, as on the code pages
    request.user = world.alice
    page = render_to_string(template, {"user": world.alice}, request=request)
    form = page[page.index('id="not-you"') - 80 :]
    assert 'action="/accounts/logout/"' in form[: form.index("</form>")]
    assert f"ot {world.alice.get_full_name()}?" in page
    assert "csrfmiddlewaretoken" in form[: form.index("</form>")]


def test_step_up_also_offers_cancel(world):
    request = RequestFactory().get("/")
    world.alice.is_verified = lambda: False  # half signed in, as on the code pages
    request.user = world.alice
    page = render_to_string("access/step_up.html", {"user": world.alice}, request=request)
    assert '<a class="govuk-link" href="/">Cancel</a>' in page


def test_signing_out_from_a_code_page_ends_the_session(world, client):
    client.force_login(world.alice)
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session
