"""What a feed file must look like, one schema per source kind, and the check of each row.

Rule (feeds): a batch is applied whole or not at all, so every row is checked before
anything is written, and each problem is reported as (row, field, what was wrong) in words a
local authority's data manager can act on. Row numbers are the file's line numbers (the
header is row 1), as a spreadsheet shows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from directory.dates import years_after
from directory.models import ORGANISATION_ROLES, FeedSource, Organisation
from directory.normalise import normalise_postcode

# CONTRACT.md: the header row, in this order (all sources).
COLUMNS = (
    "source_record_id", "family_name", "given_name", "other_names", "former_family_name",
    "date_of_birth", "sex", "address_line_1", "address_line_2", "town", "postcode",
    "carer_1_name", "carer_1_relationship", "carer_1_phone", "carer_1_email",
    "organisation_code", "service_role", "practitioner_name", "practitioner_phone",
    "practitioner_email", "started_on", "ended_on",
)  # fmt: skip

# The longest value each column may hold (the directory's own field sizes).
MAX_LENGTHS = {
    "source_record_id": 64, "family_name": 100, "given_name": 100, "other_names": 200,
    "former_family_name": 100, "address_line_1": 200, "address_line_2": 200, "town": 100,
    "carer_1_name": 200, "carer_1_relationship": 60, "carer_1_phone": 30,
    "carer_1_email": 254, "organisation_code": 20, "practitioner_name": 200,
    "practitioner_phone": 30, "practitioner_email": 254,
}  # fmt: skip
REQUIRED = ("source_record_id", "family_name", "given_name", "date_of_birth", "organisation_code")
SEXES = {"female": "female", "f": "female", "male": "male", "m": "male", "other": "other"}
# Oldest a record may be: the directory keeps people to 25 (18, or 25 with consent).
OLDEST_YEARS = 25
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,30}$")


@dataclass(frozen=True)
class SourceSchema:
    """What one kind of feed may say: whose organisations send it. The roles a row may give
    are its organisation's (``ORGANISATION_ROLES``; the first when ``service_role`` is
    empty), the same rule as a practitioner recording an involvement on the record page."""

    source: str
    organisation_kinds: frozenset[str]


_Kind = Organisation.Kind
SCHEMAS = {
    FeedSource.SCHOOL_CENSUS: SourceSchema(FeedSource.SCHOOL_CENSUS, frozenset({_Kind.SCHOOL})),
    FeedSource.GP_REGISTRATIONS: SourceSchema(
        FeedSource.GP_REGISTRATIONS, frozenset({_Kind.GP_PRACTICE, _Kind.HEALTH_SERVICE})
    ),
    FeedSource.LA_SOCIAL_CARE: SourceSchema(
        FeedSource.LA_SOCIAL_CARE,
        frozenset({_Kind.LA_CHILDRENS_SERVICES, _Kind.YOUTH_OFFENDING}),
    ),
}


@dataclass(frozen=True)
class RowError:
    """One thing wrong with one row: where, and what to do about it."""

    row: int
    field: str
    message: str


@dataclass
class FeedRow:
    """One valid row: values trimmed and normalised, dates parsed, the organisation found."""

    number: int
    values: dict[str, str]
    date_of_birth: date
    gender: str
    organisation_id: int
    local_authority_id: str
    role: str
    started_on: date | None
    ended_on: date | None
    errors: list[RowError] = field(default_factory=list)

    def __getitem__(self, column: str) -> str:
        return self.values[column]


def header_errors(header: list[str]) -> list[RowError]:
    """The header must name every column of the contract, each once, and nothing else."""
    names = [(name or "").strip().lower() for name in header]
    missing = [c for c in COLUMNS if c not in names]
    unknown = [n for n in names if n not in COLUMNS]
    repeated = sorted({n for n in names if names.count(n) > 1})
    errors = [RowError(1, c, "Column missing from the header row") for c in missing]
    errors += [RowError(1, n or "(blank)", "Column not in this feed's schema") for n in unknown]
    errors += [RowError(1, n, "Column named more than once") for n in repeated]
    return errors


def row_check(
    *, number: int, raw: dict[str, str], schema: SourceSchema, organisations: dict, today: date
) -> tuple[FeedRow | None, list[RowError]]:
    """Check one row against ``schema``; return the clean row, or None and why not.

    ``organisations`` maps an organisation code to (id, kind, local authority id).
    """
    values = {c: " ".join((raw.get(c) or "").split()) for c in COLUMNS}
    errors: list[RowError] = []

    def wrong(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    for column in REQUIRED:
        if not values[column]:
            wrong(column, "Required: this row has no value")
    for column, most in MAX_LENGTHS.items():
        if len(values[column]) > most:
            wrong(column, f"Too long: at most {most} characters")
    dob = _date(values["date_of_birth"], "date_of_birth", wrong)
    if dob and dob > today:
        wrong("date_of_birth", "Date of birth is in the future")
    elif dob and dob < years_after(today, -OLDEST_YEARS):
        wrong("date_of_birth", f"Over {OLDEST_YEARS}: not a child the directory may hold")
    started = _date(values["started_on"], "started_on", wrong)
    ended = _date(values["ended_on"], "ended_on", wrong)
    if started and ended and ended < started:
        wrong("ended_on", "Ends before it starts")
    gender = SEXES.get(values["sex"].lower(), "not_known" if not values["sex"] else "")
    if not gender:
        wrong("sex", "Use female, male or other (F and M are accepted), or leave empty")
    if values["postcode"]:
        try:
            values["postcode"] = normalise_postcode(values["postcode"])
        except ValueError:
            wrong("postcode", "Not a UK postcode, like SW1A 1AA")
    for column in ("carer_1_email", "practitioner_email"):
        if values[column] and not _email_ok(values[column]):
            wrong(column, "Not an e-mail address")
    for column in ("carer_1_phone", "practitioner_phone"):
        if values[column] and not _PHONE.match(values[column]):
            wrong(column, "Not a phone number: digits, spaces, brackets, + and - only")
    organisation = organisations.get(values["organisation_code"])
    role = values["service_role"].lower()
    if values["organisation_code"] and organisation is None:
        wrong("organisation_code", "No organisation in the directory has this code")
    elif organisation and organisation[1] not in schema.organisation_kinds:
        wrong("organisation_code", "This organisation does not send this kind of feed")
    elif organisation:
        roles = ORGANISATION_ROLES[organisation[1]]
        role = role or roles[0]
        if role not in roles:
            wrong("service_role", f"This organisation's roles are: {', '.join(roles)}")
    if errors:
        return None, errors
    return FeedRow(
        number=number,
        values=values,
        date_of_birth=dob,
        gender=gender,
        organisation_id=organisation[0],
        local_authority_id=organisation[2],
        role=role,
        started_on=started,
        ended_on=ended,
    ), []


def _date(value: str, column: str, wrong) -> date | None:
    """A date written exactly YYYY-MM-DD (fromisoformat alone also takes 20150328)."""
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None:
        wrong(column, "Not a date: use YYYY-MM-DD, like 2015-03-28")
    return parsed


def _email_ok(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True
