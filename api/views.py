"""The API's endpoints. Thin, like the pages: parse, call the gateway (or the inbox and the
requests selectors the pages use), serialise. Nothing here reads a child model.

The caller is both parties (``api.authentication``): ``request.user`` is the practitioner,
``request.auth`` the ``Caller`` whose ``actor`` puts the connecting system into every audit
event the gateway writes.
"""

import re

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.gateway import child_get_for_user, child_search
from access.gateway.break_glass import access_requests_for_requester
from access.inbox import notification_read_audited, notifications_for_user
from access.models import AccessRequest, Notification
from directory.forms import ChildSearchForm

from . import serializers as s
from .problems import NOT_FOUND_DETAIL, PROBLEM_JSON, problem_response

_PUBLIC_ID = re.compile(r"^[a-z2-7]{26}$")
# Ids are PostgreSQL bigints: a larger number in the address is simply no notification.
_BIGINT_END = 2**63


def _problem(status: int, description: str) -> dict:
    """One error response of the schema: RFC 9457 problem details."""
    return {(status, PROBLEM_JSON): OpenApiResponse(s.ProblemSerializer, description=description)}


_BAD_REQUEST = _problem(400, "The query has errors; errors names each field and what is wrong.")
_NOT_FOUND = _problem(404, "No record you can see: out of scope and non-existent alike.")
_COMMON = {
    **_problem(401, "Either party's credentials are missing or not valid."),
    **_problem(403, "Refused (vetting, role or lookup rate); reasons say why."),
    **_problem(429, "Too many calls by this system or this practitioner; see Retry-After."),
    **_problem(503, "The lookup could not be audited, so nothing is shown; see Retry-After."),
}


class ChildSearchView(APIView):
    @extend_schema(
        operation_id="children_search",
        summary="Search children in the practitioner's scope",
        description=(
            "The page's search (``/search/``): ranked, capped, in scope only, audited with the "
            "criteria and the ids returned before anything is answered."
        ),
        parameters=[s.SearchQuerySerializer],
        responses={200: s.SearchResultSerializer, **_BAD_REQUEST, **_COMMON},
    )
    def get(self, request: Request) -> Response:
        query = s.shared(s.SearchQuerySerializer)
        query.run_validation(request.query_params)
        # The page's form, so that the API's criteria are the page's (dates in range,
        # postcodes tidied) and the answer for the same query is the same.
        form = ChildSearchForm({k: v for k, v in request.query_params.items() if k in query.fields})
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    field: [e["message"] for e in errors]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        result = child_search(
            user=request.user, criteria=form.criteria(), actor=request.auth.actor(request)
        )
        return Response(s.shared(s.SearchResultSerializer).to_representation(result))


class ChildRecordView(APIView):
    @extend_schema(
        operation_id="children_record",
        summary="A child's record",
        description=(
            "The record page (``/children/{public_id}/``): the same fields, shielding and "
            "cloaking. A child out of scope and one that does not exist answer the same 404, "
            "byte for byte."
        ),
        parameters=[
            OpenApiParameter("public_id", OpenApiTypes.STR, OpenApiParameter.PATH),
            s.PurposeQuerySerializer,
        ],
        responses={200: s.ChildRecordSerializer, **_BAD_REQUEST, **_NOT_FOUND, **_COMMON},
    )
    def get(self, request: Request, public_id: str) -> Response:
        purpose = s.shared(s.PurposeQuerySerializer).run_validation(request.query_params)["purpose"]
        # As on the page: malformed ids go through the same lookup and audit.
        lookup_id = public_id if _PUBLIC_ID.match(public_id) else public_id[:32]
        record = child_get_for_user(
            user=request.user,
            public_id=lookup_id,
            purpose=purpose,
            actor=request.auth.actor(request),
        )
        return Response(s.shared(s.ChildRecordSerializer).to_representation(record))


class MyAccessRequestsView(APIView):
    @extend_schema(
        operation_id="me_access_requests",
        summary="My access requests and break-glass",
        description="The practitioner's own requests, newest first, with their supervisor's "
        "review: the page *My requests*.",
        responses={200: s.AccessRequestSerializer(many=True), **_COMMON},
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        write = s.shared(s.AccessRequestSerializer).to_representation
        return Response(
            [
                write(_request_row(access_request, now=now))
                for access_request in access_requests_for_requester(user=request.user)
            ]
        )


def _request_row(access_request: AccessRequest, *, now) -> AccessRequest:
    """The page shows the child only through the link to a granted record; so does this."""
    granted = access_request.status == AccessRequest.Status.GRANTED
    access_request.live = bool(granted and access_request.expires_at > now)
    if not granted:
        access_request.child_public_id = None
    return access_request


class MyNotificationsView(APIView):
    @extend_schema(
        operation_id="me_notifications",
        summary="My notifications",
        description="The inbox, newest first; a notification's detail is read one at a time.",
        responses={200: s.NotificationSerializer(many=True), **_COMMON},
    )
    def get(self, request: Request) -> Response:
        write = s.shared(s.NotificationSerializer).to_representation
        return Response([write(n) for n in notifications_for_user(user=request.user)])


class MyNotificationView(APIView):
    @extend_schema(
        operation_id="me_notification",
        summary="One of my notifications",
        description="With its in-app detail, which may name a child: audited as on the page. "
        "Another user's notification answers the same 404 as a missing one.",
        parameters=[OpenApiParameter("notification_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: s.NotificationDetailSerializer, **_NOT_FOUND, **_COMMON},
    )
    def get(self, request: Request, notification_id: int) -> Response:
        if not 0 < notification_id < _BIGINT_END:
            return problem_response(404, NOT_FOUND_DETAIL)
        try:
            notification = notification_read_audited(
                user=request.user,
                notification_id=notification_id,
                actor=request.auth.actor(request),
            )
        except Notification.DoesNotExist:
            return problem_response(404, NOT_FOUND_DETAIL)
        return Response(s.shared(s.NotificationDetailSerializer).to_representation(notification))
