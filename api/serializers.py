"""What the API reads and answers, field by field; the OpenAPI schema is built from these.

The answers are the gateway's own dataclasses, serialised as they are: a shielded child's
record has no address, carers or services because the gateway never filled them, so the API
cannot show more than the page (Rule, shielding).
"""

import re
from functools import cache

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from access.models import AccessRequest, Notification
from access.purposes import Purpose

# Names and postcodes have one rule, the page's form's (``directory.forms.ChildSearchForm``),
# which the view applies to every search: letters of any script (Greek, Cyrillic, Latin with
# its accents...) in words joined by a space, hyphen or apostrophe; doubled spaces and
# typographic apostrophes tidied; postcodes full or outward, any case and spacing. A schema
# pattern could not say it (JSON Schema reads patterns as ECMA-262, whose ``\w`` is ASCII),
# so the schema names the rule as a format and the fields here check only their length, as
# the form does, after trimming the ends, as the form does.
PERSON_NAME_FORMAT = "person-name"
POSTCODE_FORMAT = "uk-postcode"
# YYYY-MM-DD exactly (Django's parser also takes 2014-1-5). Whether the day exists and lies
# between 1990 and today is the page's form's to say (400), as OpenAPI has no date ranges.
_DATE = r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"


def _whole(pattern: str, optional: bool = False) -> str:
    """Anchored; an optional query parameter may also be sent empty, which means absent, as
    on the page."""
    return f"^({pattern})?$" if optional else f"^{pattern}$"


@cache
def shared(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    """One unbound instance of ``serializer_class`` per process, to validate a query
    (``run_validation``: its data, or the ValidationError ``is_valid`` would raise) or to
    write an answer (``to_representation``: what ``.data`` holds).

    Why (issue 19): DRF deep-copies every declared field, nested serializers' too, each time
    a serializer is made, which cost an API search more CPU than writing its answer. Neither
    call keeps anything on the instance, so its fields are built once and serve every call.
    """
    return serializer_class()


@extend_schema_field({"type": "string", "pattern": _whole(_DATE, optional=True)})
class IsoDateField(serializers.DateField):
    def to_internal_value(self, value):
        if isinstance(value, str) and not re.match(_whole(_DATE), value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


@extend_schema_field(
    {"type": "string", "format": PERSON_NAME_FORMAT, "minLength": 1, "maxLength": 100}
)
class PersonNameField(serializers.CharField):
    """Checked by the page's form (``directory.forms``); here only its length."""


@extend_schema_field({"type": "string", "format": POSTCODE_FORMAT, "minLength": 1, "maxLength": 10})
class PostcodeField(serializers.CharField):
    """Checked and tidied by the page's form (``directory.forms``); here only its length."""


class SearchQuerySerializer(serializers.Serializer):
    family_name = PersonNameField(
        max_length=100,
        help_text="At least 2 letters, of any script; the search page's rule.",
    )
    given_name = PersonNameField(max_length=100, required=False, allow_blank=True)
    date_of_birth = IsoDateField(
        required=False, help_text="YYYY-MM-DD; from 1 January 1990 to today."
    )
    postcode = PostcodeField(
        max_length=10,
        required=False,
        allow_blank=True,
        help_text="A full postcode or its outward code; the search page's rule.",
    )
    purpose = serializers.ChoiceField(choices=Purpose.choices, help_text="Why you are searching.")


class PurposeQuerySerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(
        choices=Purpose.choices, help_text="Why you are looking at this record."
    )


class EvidenceSerializer(serializers.Serializer):
    agreed = serializers.ListField(child=serializers.CharField())
    differs = serializers.ListField(child=serializers.CharField())


class ChildSummarySerializer(serializers.Serializer):
    public_id = serializers.CharField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    gender = serializers.CharField()
    shielded = serializers.BooleanField()
    town = serializers.CharField(help_text="Empty for a shielded child.")
    postcode = serializers.CharField(help_text="Empty for a shielded child.")
    strong = serializers.BooleanField(help_text="A match; false: a possible match.")
    evidence = EvidenceSerializer(allow_null=True)


class SearchResultSerializer(serializers.Serializer):
    children = ChildSummarySerializer(many=True)
    more_than_cap = serializers.BooleanField(
        help_text="More children matched than are shown: add a detail to narrow the search."
    )


class CarerSerializer(serializers.Serializer):
    name = serializers.CharField()
    relationship = serializers.CharField()
    parental_responsibility = serializers.BooleanField()
    phone = serializers.CharField()
    email = serializers.CharField()
    address = serializers.CharField()
    source = serializers.CharField()


class ServiceSerializer(serializers.Serializer):
    organisation = serializers.CharField()
    organisation_kind = serializers.CharField()
    role = serializers.CharField()
    practitioner = serializers.CharField()
    job_title = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    organisation_phone = serializers.CharField()
    organisation_email = serializers.CharField()
    started_on = serializers.DateField()
    own_organisation = serializers.BooleanField()
    source = serializers.CharField()


class ShieldSerializer(serializers.Serializer):
    revealed_by = serializers.CharField(
        help_text="Why this viewer sees a shielded child's full record; empty otherwise."
    )


class GrantSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField()
    emergency = serializers.BooleanField()


class ChildRecordSerializer(serializers.Serializer):
    public_id = serializers.CharField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    preferred_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    gender = serializers.CharField()
    shielded = serializers.BooleanField()
    identity_only = serializers.BooleanField(
        help_text="A shielded child: only name, gender, date of birth and ID; contact goes "
        "through local_authority's ContactPoint management team."
    )
    local_authority = serializers.CharField()
    other_names = serializers.CharField()
    former_names = serializers.ListField(child=serializers.CharField())
    address = serializers.ListField(child=serializers.CharField())
    sources = serializers.DictField(child=serializers.CharField())
    carers = CarerSerializer(many=True)
    services = ServiceSerializer(many=True)
    shield = ShieldSerializer()
    grant = GrantSerializer(
        allow_null=True, help_text="Set when the record is open through a live grant."
    )
    archived_on = serializers.DateField(allow_null=True)


class AccessRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=AccessRequest.Kind.choices)
    reason = serializers.ChoiceField(choices=AccessRequest.Reason.choices)
    status = serializers.ChoiceField(choices=AccessRequest.Status.choices)
    judgement = serializers.ChoiceField(
        choices=AccessRequest.Judgement.choices, help_text="The supervisor's review."
    )
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    live = serializers.BooleanField(help_text="A granted request whose access has not ended.")
    child_public_id = serializers.CharField(
        allow_null=True, help_text="The child chosen, once access is granted."
    )


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    subject = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationDetailSerializer(NotificationSerializer):
    in_app_detail = serializers.CharField(
        help_text="May name a child: reading it is audited, as on the inbox page."
    )


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(required=False, help_text="Per field, what is wrong.")
    reasons = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Why the lookup was refused."
    )
