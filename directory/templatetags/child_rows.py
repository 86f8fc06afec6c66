"""The repeated rows of the search results, and the record page's sections every record
shows (heading, summary list, who works with the child, parents and carers), rendered in
Python.

The one home of their markup: ``templates/directory/search.html`` and ``record.html`` call
these tags where their loops and sections were. Why (issue 16): as template loops (the search
results an include per child), each row was a dozen lookups, conditions and filters through
the template engine, together a fifth of those pages' rendering; the record page's own
sections, another forty variables and conditions, were then the largest part of that page's
rendering. Here each is a few string joins, byte for byte what the template rendered. Every
value goes through ``conditional_escape``, as the template engine's autoescaping does; dates
are formatted as the ``date`` filter formats them. What only some records show (a grant's
banner, a shield's or retention's panels) stays in the template.

Loaded in templates as ``{% load child_rows %}``.
"""

from __future__ import annotations

import html

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from contactpoint.id_urls import id_url

register = template.Library()


def _e(value) -> str:
    """``conditional_escape`` as text. Plain text (almost every value here) is escaped as
    ``django.utils.html.escape`` escapes it, by the same ``html.escape``, without the lazy-text
    and ``__html__`` checks a plain ``str`` cannot need."""
    if type(value) is str:
        return html.escape(value)
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


def _search_result(child) -> str:
    where = (
        '<strong class="govuk-tag govuk-tag--grey">Contact through the local authority</strong>'
        if child.shielded
        else f"{_e(child.town)} {_e(child.postcode)}"
    )
    evidence = ""
    if child.evidence:
        agreed = "".join(
            f'<li class="cp-evidence__agreed">{_e(detail)}</li>' for detail in child.evidence.agreed
        )
        differs = "".join(
            f'<li class="cp-evidence__differs"><strong>{_e(detail)}</strong></li>'
            for detail in child.evidence.differs
        )
        evidence = (
            '\n  <ul class="govuk-list govuk-body-s cp-evidence">\n'
            f"    {agreed}\n    {differs}\n  </ul>\n  "
        )
    born = date_format(child.date_of_birth, "j F Y") if child.date_of_birth else ""
    return (
        '\n<li class="cp-result">\n'
        '  <h4 class="govuk-heading-s govuk-!-margin-bottom-1"><a class="govuk-link" '
        f'href="{_e(id_url(child.public_id, "directory:record"))}">{_e(child.full_name)}</a></h4>\n'
        f'  <p class="govuk-body-s govuk-!-margin-bottom-1">Born {_e(born)} · {_e(child.gender)} · '
        f"{where}</p>\n  {evidence}\n</li>\n"
    )


@register.simple_tag
def search_results(children) -> str:
    """One list item per ``access.gateway.search.ChildSummary``: who, where, and which typed
    details agreed or differ."""
    return mark_safe("".join(_search_result(child) for child in children))  # noqa: S308


_SUMMARY_ROW = (
    '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{key}</dt>'
    '<dd class="govuk-summary-list__value">{value}</dd></div>'
)


def _summary_row(key: str, value: str) -> str:
    return _SUMMARY_ROW.format(key=key, value=value)


@register.simple_tag
def record_heading(child, purpose) -> str:
    """The record's heading, the purpose it was opened for and where its names came from."""
    names = child.sources.get("names")
    source = (
        f'<p class="govuk-body-s cp-source">Name and date of birth from: {_e(names)}</p>'
        if names
        else ""
    )
    return mark_safe(  # noqa: S308 - every value escaped
        '<span class="govuk-caption-l">Child record</span>\n'
        f'<h1 class="govuk-heading-l">{_e(child.full_name)}</h1>\n'
        f'<p class="govuk-body-s">You opened this record for: {_e(purpose.label)}. '
        "This view has been recorded.</p>\n"
        f"{source}"
    )


@register.simple_tag
def record_summary(child) -> str:
    """The summary list: identity for every record; names, address and authority unless only
    the identity may be shown (``ChildRecord.identity_only``, Rule (shielding))."""
    rows = [
        _summary_row("Date of birth", _e(date_format(child.date_of_birth, "j F Y"))),
        _summary_row("Gender", _e(child.gender)),
        _summary_row(
            "ContactPoint ID", f'<span class="cp-identifier">{_e(child.public_id)}</span>'
        ),
    ]
    details = ""
    if not child.identity_only:
        address = "<br>".join(_e(line) for line in child.address)
        if child.sources.get("address"):
            address += (
                '<br><span class="govuk-body-s cp-source">'
                f"From: {_e(child.sources['address'])}</span>"
            )
        optional = (
            ("Known as", child.preferred_name, _e(child.preferred_name)),
            ("Other names", child.other_names, _e(child.other_names)),
            ("Former names", child.former_names, ", ".join(map(_e, child.former_names))),
        )
        details = "".join(
            f"\n  {_summary_row(key, value) if shown else ''}" for key, shown, value in optional
        ) + (
            f"\n  {_summary_row('Address', address)}"
            f"\n  {_summary_row('Local authority', _e(child.local_authority))}\n  "
        )
    return mark_safe(  # noqa: S308 - every value escaped
        '<dl class="govuk-summary-list">\n  ' + "\n  ".join(rows) + f"\n  {details}\n</dl>"
    )


@register.simple_tag
def record_contacts(child, user) -> str:
    """Who works with the child, the link to record an involvement where the viewer's
    organisation may, and the parents and carers (not for an identity-only record)."""
    given = _e(child.given_name)
    if child.services:
        services = (
            '\n<table class="govuk-table cp-stack-table">\n'
            '  <caption class="govuk-table__caption govuk-visually-hidden">'
            "Practitioners and services</caption>\n"
            '  <thead class="govuk-table__head"><tr class="govuk-table__row">\n'
            '    <th scope="col" class="govuk-table__header">Service</th>\n'
            '    <th scope="col" class="govuk-table__header">Practitioner</th>\n'
            '    <th scope="col" class="govuk-table__header">Contact</th>\n'
            '    <th scope="col" class="govuk-table__header">Since</th>\n'
            "  </tr></thead>\n"
            '  <tbody class="govuk-table__body">\n'
            f"  {service_rows(child.services)}\n"
            "  </tbody>\n</table>\n"
        )
    else:
        services = (
            '\n<p class="govuk-body">No services are recorded as working with this child.</p>\n'
        )
    record_link = ""
    if child.roles_to_record:
        href = _e(id_url(child.public_id, "corrections:involvements"))
        record_link = (
            f'<p class="govuk-body"><a class="govuk-link" href="{href}">Record that '
            f"{_e(user.organisation.name)} works with {given}, or no longer does</a></p>"
        )
    if child.carers:
        carers = f'\n<dl class="govuk-summary-list">\n  {carer_rows(child.carers)}\n</dl>\n'
    else:
        carers = '\n<p class="govuk-body">No parents or carers are recorded.</p>\n'
    return mark_safe(  # noqa: S308 - every value escaped
        f'<h2 class="govuk-heading-m">Who works with {given}</h2>\n{services}\n{record_link}'
        f'\n\n<h2 class="govuk-heading-m">Parents and carers</h2>\n{carers}'
    )
