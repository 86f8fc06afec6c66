"""What the API reads and answers, field by field; the OpenAPI schema is built from these.

The answers are the gateway's own dataclasses, serialised as they are: a shielded child's
record has no address, carers or services because the gateway never filled them, so the API
cannot show more than the page (Rule, shielding).
"""

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from access.models import AccessRequest, Notification
from access.purposes import Purpose

# The page's name rule (``directory.forms``) in its canonical form: letters in words joined by
# one space, hyphen or apostrophe, or a full stop after an initial. The page also tidies
# doubled spaces and typographic apostrophes; the API takes names already tidy, so that what
# its schema allows is exactly what it accepts.
# The letters are listed, not written ``[^\W\d_]``: JSON Schema reads patterns as
# ECMA-262, where ``\w`` is ASCII only, so the schema would promise less than Python accepts
# (schemathesis found Î accepted against it). Latin with its accented and extended letters,
# Greek and Cyrillic; a name in another script is refused here (the page takes any letter).
_LETTER = "[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff\u0370-\u03ff\u0400-\u04ff]"
_NAME = rf"{_LETTER}+(?:(?:\.[ -]?|[ '\-]){_LETTER}+)*\.?"
# A full postcode (one space or none before the inward code) or an outward code alone.
_POSTCODE = r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]?( ?[0-9][A-Za-z]{2})?"
# YYYY-MM-DD exactly (Django's parser also takes 2014-1-5). Whether the day exists and lies
# between 1990 and today is the page's form's to say (400), as OpenAPI has no date ranges.
_DATE = r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"


def _whole(pattern: str, optional: bool = False) -> str:
    """Anchored; an optional query parameter may also be sent empty, which means absent, as
    on the page."""
    return f"^({pattern})?$" if optional else f"^{pattern}$"


@extend_schema_field({"type": "string", "pattern": _whole(_DATE, optional=True)})
class IsoDateField(serializers.DateField):
    def to_internal_value(self, value):
        if isinstance(value, str) and not re.match(_whole(_DATE), value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class SearchQuerySerializer(serializers.Serializer):
    family_name = serializers.RegexField(_whole(_NAME), min_length=2, max_length=100)
    given_name = serializers.RegexField(
        _whole(_NAME, optional=True), max_length=100, required=False, allow_blank=True
    )
    date_of_birth = IsoDateField(
        required=False, help_text="YYYY-MM-DD; from 1 January 1990 to today."
    )
    postcode = serializers.RegexField(
        _whole(_POSTCODE, optional=True), max_length=8, required=False, allow_blank=True
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
