"""GOV.UK form fields (text input, date input, radios), rendered in Python.

The one home of their markup: ``templates/includes/text_field.html``, ``date_input.html``
and ``radios.html`` only call these tags, and a page that renders many fields per request
(the search form) calls the tags directly. Why (issue 16): as included templates, the search
form's five fields were about a third of the web tier's CPU for an audited search, each
``{{ }}`` a template lookup through the bound field; here each field is a few string joins.
Every value goes through ``conditional_escape``, as the template engine's autoescaping does.

Loaded in templates as ``{% load govuk_fields %}`` (``TEMPLATES`` ``libraries``).
"""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


class _NoField:
    """What a template gives for a field it does not have (a page rendered without its
    form): every attribute empty, as the include templates rendered it."""

    errors = ()
    id_for_label = label = html_name = auto_id = ""
    parts = ("", "", "")
    field = type("NoChoices", (), {"choices": ()})()

    @staticmethod
    def value():
        return None


def _field(field):
    return field if hasattr(field, "errors") else _NoField()


def _e(value) -> str:
    return str(conditional_escape("" if value is None else value))


def _errors(field, error_id: str) -> str:
    return "".join(
        f'<p id="{error_id}-error" class="govuk-error-message">'
        f'<span class="govuk-visually-hidden">Error:</span> {_e(error)}</p>'
        for error in field.errors
    )


@register.simple_tag
def text_field(
    field,
    *,
    hint="",
    width="",
    type="text",
    autocomplete="",
    identifier=False,  # noqa: A002
):
    """A GOV.UK text input with its label, hint and errors."""
    field = _field(field)
    errors = field.errors
    field_id = _e(field.id_for_label)
    value = field.value()
    classes = "govuk-input"
    if width:
        classes += f" govuk-input--width-{_e(width)}"
    if errors:
        classes += " govuk-input--error"
    if identifier:
        classes += " cp-identifier"
    described = ""
    if hint or errors:
        described = f"{field_id}-hint" if hint else ""
        described += f" {field_id}-error" if errors else ""
        described = f' aria-describedby="{described}"'
    parts = [
        f'<div class="govuk-form-group{" govuk-form-group--error" if errors else ""}">\n',
        f'  <label class="govuk-label" for="{field_id}">{_e(field.label)}</label>\n  ',
        f'<div id="{field_id}-hint" class="govuk-hint">{_e(hint)}</div>' if hint else "",
        "\n  ",
        _errors(field, field_id),
        f'\n  <input class="{classes}" id="{field_id}" name="{_e(field.html_name)}" '
        f'type="{_e(type or "text")}" value="{_e("" if value is None else str(value))}"',
        f' autocomplete="{_e(autocomplete)}"' if autocomplete else "",
        described,
        ' spellcheck="false">\n</div>\n',
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


_DATE_PART = (
    '      <div class="govuk-date-input__item">\n'
    '        <div class="govuk-form-group">\n'
    '          <label class="govuk-label govuk-date-input__label" for="{id}-{part}">{label}'
    "</label>\n"
    '          <input class="govuk-input govuk-date-input__input govuk-input--width-{width}'
    '{error}" id="{id}-{part}" name="{name}-{part}" type="text" inputmode="numeric" '
    'value="{value}"{autocomplete}>\n'
    "        </div>\n"
    "      </div>\n"
)


@register.simple_tag
def date_input(field, *, hint="", example="", autocomplete=""):
    """A GOV.UK date input (issue 17, point 9): day, month and year as three numeric fields
    in a fieldset; the field is a ``contactpoint.date_input.GovukDateField`` and what was
    typed comes back as typed."""
    field = _field(field)
    errors = field.errors
    auto_id = _e(field.auto_id)
    name = _e(field.html_name)
    values = field.parts
    error_class = " govuk-input--error" if errors else ""
    inputs = "".join(
        _DATE_PART.format(
            id=auto_id,
            part=part,
            label=label,
            width=width,
            error=error_class,
            name=name,
            value=_e(value),
            autocomplete=f' autocomplete="{_e(autocomplete)}-{part}"' if autocomplete else "",
        )  # fmt: skip
        for part, label, width, value in zip(
            ("day", "month", "year"), ("Day", "Month", "Year"), (2, 2, 4), values, strict=True
        )
    )
    hint_text = f"{_e(hint)} " if hint else ""
    parts = [
        f'<div class="govuk-form-group{" govuk-form-group--error" if errors else ""}">\n',
        f'  <fieldset class="govuk-fieldset" role="group" aria-describedby="{auto_id}-hint',
        f" {auto_id}-error" if errors else "",
        '">\n',
        '    <legend class="govuk-fieldset__legend govuk-fieldset__legend--s">',
        f"{_e(field.label)}</legend>\n",
        f'    <div id="{auto_id}-hint" class="govuk-hint">{hint_text}For example, ',
        f"{_e(example or '27 3 2015')}</div>\n    ",
        _errors(field, auto_id),
        f'\n    <div class="govuk-date-input" id="{auto_id}">\n',
        inputs,
        "    </div>\n  </fieldset>\n</div>\n",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


@register.simple_tag
def radios(field, *, hint="", legend_as_heading=False):
    """GOV.UK radios in a fieldset, one per choice of the field."""
    field = _field(field)
    errors = field.errors
    name = _e(field.html_name)
    first_id = _e(field.id_for_label)
    label = _e(field.label)
    current = field.value()
    described = ""
    if hint or errors:
        described = f"{name}-hint" if hint else ""
        described += f" {name}-error" if errors else ""
        described = f' aria-describedby="{described}"'
    if legend_as_heading:
        legend = (
            '<legend class="govuk-fieldset__legend govuk-fieldset__legend--l">'
            f'<h1 class="govuk-fieldset__heading">{label}</h1></legend>'
        )
    else:
        legend = (
            f'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{label}</legend>'
        )
    items = []
    for counter, (value, text) in enumerate(field.field.choices, start=1):
        item_id = first_id if counter == 1 else f"{first_id}-{counter}"
        checked = " checked" if current == value else ""
        items.append(
            '      <div class="govuk-radios__item">\n'
            f'        <input class="govuk-radios__input" id="{item_id}" name="{name}" '
            f'type="radio" value="{_e(value)}"{checked}>\n'
            f'        <label class="govuk-label govuk-radios__label" for="{item_id}">'
            f"{_e(text)}</label>\n      </div>\n"
        )
    parts = [
        f'<div class="govuk-form-group{" govuk-form-group--error" if errors else ""}">\n',
        f'  <fieldset class="govuk-fieldset"{described}>\n    {legend}\n    ',
        f'<div id="{name}-hint" class="govuk-hint">{_e(hint)}</div>' if hint else "",
        "\n    ",
        _errors(field, name),
        '\n    <div class="govuk-radios govuk-radios--small" data-module="govuk-radios">\n',
        *items,
        "    </div>\n  </fieldset>\n</div>\n",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
