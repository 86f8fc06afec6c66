"""The GOV.UK date input (day, month, year fields) as a Django form field.

Why not the browser's date picker: in an en-US browser it reads mm/dd/yyyy, so a practitioner
types the 3rd of April as the 4th of March, and a phone's picker makes a birth date 15 years
back a long scroll (issue 17, point 9). GOV.UK asks for a date as three numbers.

The field reads either the three parts (``<name>-day``, ``<name>-month``, ``<name>-year``)
or one ``<name>=YYYY-MM-DD`` parameter: outside checks and links built by earlier versions
search with ``date_of_birth=YYYY-MM-DD`` (CONTRACT.md, Web), so the single parameter keeps
working. What was typed is shown back as typed, so an error never loses it.
"""

from datetime import date

from django import forms
from django.forms.boundfield import BoundField

PARTS = ("day", "month", "year")


def part_names(name: str) -> tuple[str, ...]:
    return tuple(f"{name}-{part}" for part in PARTS)


def date_typed(data, name: str) -> bool:
    """Whether anything was typed for the date, in either form."""
    return any(data.get(key) for key in (name, *part_names(name)))


def _parts_of(value) -> tuple[str, str, str]:
    """Day, month and year to show in the three fields, whatever the value is."""
    if isinstance(value, date):
        return str(value.day), str(value.month), str(value.year)
    if isinstance(value, (tuple, list)):
        return tuple(str(part or "") for part in value)  # type: ignore[return-value]
    if isinstance(value, str) and value:
        pieces = value.split("-")
        if len(pieces) == 3:
            year, month, day = pieces
            return day, month, year
        return "", "", value
    return "", "", ""


class DateInputWidget(forms.Widget):
    """Reads the three parts when any is present, else the single ISO parameter."""

    def value_from_datadict(self, data, files, name):
        parts = tuple((data.get(key) or "").strip() for key in part_names(name))
        if any(parts):
            return parts
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return all(key not in data for key in (name, *part_names(name)))

    def id_for_label(self, id_):
        return f"{id_}-day" if id_ else id_


class DateInputBoundField(BoundField):
    """Gives templates ``day``, ``month`` and ``year`` as typed (or as the initial date)."""

    @property
    def parts(self) -> tuple[str, str, str]:
        return _parts_of(self.value())

    @property
    def day(self) -> str:
        return self.parts[0]

    @property
    def month(self) -> str:
        return self.parts[1]

    @property
    def year(self) -> str:
        return self.parts[2]


class GovukDateField(forms.Field):
    """A date typed as day, month and year, with GOV.UK's error messages.

    ``name`` is how the messages refer to the date: "Date of birth must be a real date".
    """

    widget = DateInputWidget

    def __init__(self, *, name: str = "Date", **kwargs):
        self.name = name
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", f"Enter {name[0].lower()}{name[1:]}")
        super().__init__(**kwargs)

    def get_bound_field(self, form, field_name):
        return DateInputBoundField(form, self, field_name)

    def to_python(self, value) -> date | None:
        if value in self.empty_values or value == ("", "", ""):
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise self._not_real() from None
        return self._from_parts(*value)

    def _from_parts(self, day: str, month: str, year: str) -> date:
        missing = [part for part, typed in zip(PARTS, (day, month, year), strict=True) if not typed]
        if missing:
            raise forms.ValidationError(f"{self.name} must include a {' and '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise self._not_real()
        if len(year) != 4:
            raise forms.ValidationError("Year must include 4 numbers")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise self._not_real() from None

    def _not_real(self) -> forms.ValidationError:
        return forms.ValidationError(f"{self.name} must be a real date")
