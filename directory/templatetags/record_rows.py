"""The record page's repeated rows (who works with the child, parents and carers), rendered
in Python.

The one home of their markup: ``templates/directory/record.html`` calls these tags where its
loops were. Why (issue 16): as template loops, each row was a dozen lookups, conditions and
filters through the template engine, together a fifth of the record page's rendering; here
each row is a few string joins. Every value goes through ``conditional_escape``, as the
template engine's autoescaping does; dates are formatted as the ``date`` filter formats them.

Loaded in templates as ``{% load record_rows %}``.
"""

from __future__ import annotations

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


def _e(value) -> str:
    return str(conditional_escape("" if value is None else value))


def _phone_link(phone: str) -> str:
    """A ``tel:`` link to ``phone`` (spaces left out of the address)."""
    return f'<a class="govuk-link" href="tel:{_e(phone.replace(" ", ""))}">{_e(phone)}</a>'


def _mail_link(email: str) -> str:
    return f'<a class="govuk-link" href="mailto:{_e(email)}">{_e(email)}</a>'


def _source(source: str) -> str:
    return f'<br><span class="govuk-body-s cp-source">From: {_e(source)}</span>' if source else ""


def _service_row(service) -> str:
    own = (
        '<br><strong class="govuk-tag govuk-tag--blue">Your organisation</strong>'
        if service.own_organisation
        else ""
    )
    practitioner = (
        f'{_e(service.practitioner)}<br><span class="govuk-body-s">{_e(service.job_title)}</span>'
        if service.practitioner
        else "Not named"
    )
    contact = (f"{_phone_link(service.phone)}<br>" if service.phone else "") + (
        f"{_mail_link(service.email)}<br>" if service.email else ""
    )
    office = _phone_link(service.organisation_phone) if service.organisation_phone else "not known"
    since = date_format(service.started_on, "M Y") if service.started_on else ""
    return (
        '\n  <tr class="govuk-table__row">\n'
        '    <td class="govuk-table__cell" data-label="Service">'
        f"<strong>{_e(service.role)}</strong><br>{_e(service.organisation)}{own}</td>\n"
        f'    <td class="govuk-table__cell" data-label="Practitioner">{practitioner}</td>\n'
        '    <td class="govuk-table__cell" data-label="Contact">\n'
        f"      {contact}\n"
        f'      <span class="govuk-body-s">Office: {office}</span>\n'
        "    </td>\n"
        f'    <td class="govuk-table__cell cp-nowrap" data-label="Since">{_e(since)}'
        f"{_source(service.source)}</td>\n"
        "  </tr>\n  "
    )


def _carer_row(carer) -> str:
    responsibility = ", parental responsibility" if carer.parental_responsibility else ""
    contact = (f"{_phone_link(carer.phone)}<br>" if carer.phone else "") + (
        f"{_mail_link(carer.email)}<br>" if carer.email else ""
    )
    return (
        '\n  <div class="govuk-summary-list__row">\n'
        f'    <dt class="govuk-summary-list__key">{_e(carer.name)}<br>'
        f'<span class="govuk-body-s">{_e(carer.relationship)}{responsibility}</span></dt>\n'
        f'    <dd class="govuk-summary-list__value">{contact}'
        f"{_e(carer.address or 'Lives with the child')}{_source(carer.source)}</dd>\n"
        "  </div>\n  "
    )


@register.simple_tag
def service_rows(services) -> str:
    """One table row per ``access.gateway.records.ServiceContact``."""
    return mark_safe("".join(_service_row(service) for service in services))  # noqa: S308


@register.simple_tag
def carer_rows(carers) -> str:
    """One summary-list row per ``access.gateway.records.CarerContact``."""
    return mark_safe("".join(_carer_row(carer) for carer in carers))  # noqa: S308
