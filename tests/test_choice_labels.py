"""``contactpoint.choice_labels.choice_label`` gives what ``get_FOO_display`` gives."""

import pytest

from contactpoint.choice_labels import choice_label
from directory.models import Child, Involvement, Organisation

CASES = [(Child, "gender"), (Involvement, "role"), (Organisation, "kind")]


@pytest.mark.parametrize(("model", "name"), CASES)
def test_it_gives_every_label_get_display_gives(model, name):
    field = model._meta.get_field(name)
    for value in [*(value for value, _ in field.flatchoices), "not-a-choice", ""]:
        made = model(**{name: value})
        assert choice_label(made, name) == getattr(made, f"get_{name}_display")()
