"""The GOV.UK form fields rendered in Python (contactpoint/govuk_fields.py): what was typed
comes back escaped, errors are tied to their field, and the include templates say the same."""

from django.template import engines

from directory.forms import ChildSearchForm

TYPED = {
    "family_name": '"><script>alert(1)</script>',
    "date_of_birth-day": "3",
    "date_of_birth-month": "<b>",
    "date_of_birth-year": "2015",
    "purpose": "current_involvement",
}


def _render(source: str, form) -> str:
    return engines["django"].from_string(source).render({"form": form})


def test_it_escapes_what_was_typed():
    form = ChildSearchForm(TYPED)
    form.is_valid()
    html = _render(
        "{% load govuk_fields %}{% text_field form.family_name %}"
        "{% date_input form.date_of_birth %}",
        form,
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'value="&lt;b&gt;"' in html


def test_it_ties_each_error_to_its_field():
    form = ChildSearchForm({**TYPED, "family_name": ""})
    form.is_valid()
    html = _render('{% load govuk_fields %}{% text_field form.family_name hint="H" %}', form)
    assert 'aria-describedby="id_family_name-hint id_family_name-error"' in html
    assert "govuk-form-group--error" in html
    assert "Enter the child&#x27;s family name" in html


def test_the_include_templates_render_the_same_as_the_tags():
    form = ChildSearchForm(TYPED)
    form.is_valid()
    included = _render('{% include "includes/radios.html" with field=form.purpose %}', form)
    tagged = _render("{% load govuk_fields %}{% radios form.purpose %}", form)
    assert included.strip() == tagged.strip()
    assert 'value="current_involvement" checked' in tagged


def test_a_page_rendered_without_its_form_gets_empty_fields_not_an_error():
    html = engines["django"].from_string('{% include "includes/text_field.html" %}').render({})
    assert 'name="" type="text" value=""' in html
