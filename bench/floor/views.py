"""The floor: an audited search and record view with nothing but what they must do.

Each view does, in order: read the session from Redis (one GET) and check it (signed in,
within its absolute lifetime, second factor verified and bound to this session by its HMAC,
the password unchanged since sign-in); load the user, their organisation and their verified
device in one statement; check role and vetting (the application's own ``vetting_problems``)
and take one lookup from the rate limit (the application's Lua script, one round trip);
run the very SQL the application's search (``access.gateway.matcher`` and ``scope``, called
as the gateway calls them) or record view (scope, status, carers, visible involvements,
live grant) runs; insert the audit event with one fixed INSERT; commit; save the session
(one SET with its expiry); render a small template. What it leaves out is what the floor
measures: middleware, the ORM's query building, forms, the site layout and its includes.
"""

from __future__ import annotations

import hmac
import pickle
import time
from datetime import date
from types import SimpleNamespace

import redis
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from django.template import Context, Engine
from django.utils import timezone
from django.utils.crypto import salted_hmac

from access.gateway.matcher import MatchQuery, candidates_rank, query_keys_lookup
from access.gateway.rate import _TAKE_SCRIPT, Allowance, take_script_args
from access.gateway.scope import child_scope_sql
from access.gateway.search import _search_condition, search_session_tune
from access.models import User, vetting_problems
from access.sign_in.second_factor_binding import binding_for
from audit.sealing.canonical import LEAF_VERSION
from audit.writer import _PersonalData
from directory.models import Carer, Child, Organisation

_REDIS = redis.Redis.from_url(settings.REDIS_URL)
_SESSION_PREFIX = f"{settings.CACHES['default']['KEY_PREFIX']}:1:django.contrib.sessions.cache"
_ENGINE = Engine()
_SEARCH_PAGE = _ENGINE.from_string(
    "<!DOCTYPE html><title>Search</title><h1>Search</h1><ul>{% for c in children %}"
    '<li><a href="/children/{{ c.public_id }}/">{{ c.given_name }} {{ c.family_name }}</a> '
    "{{ c.date_of_birth }} {{ c.postcode }}</li>{% endfor %}</ul>"
)
_RECORD_PAGE = _ENGINE.from_string(
    "<!DOCTYPE html><title>{{ child.given_name }}</title><h1>{{ child.given_name }} "
    "{{ child.family_name }}</h1><p>{{ child.date_of_birth }} {{ child.postcode }}</p><ul>"
    "{% for c in carers %}<li>{{ c.0 }} {{ c.1 }} {{ c.2 }}</li>{% endfor %}</ul><ul>"
    "{% for s in services %}<li>{{ s.0 }} {{ s.1 }} {{ s.2 }}</li>{% endfor %}</ul>"
)
_USER_SQL = """
    SELECT u.id, u.username, u.role, u.password, u.is_active, u.organisation_id,
           u.dbs_certificate_number, u.dbs_checked_on, u.training_completed_on,
           u.agreement_signed_on, o.accredited, o.kind, o.local_authority_id,
           EXISTS (SELECT 1 FROM otp_totp_totpdevice d
                   WHERE d.id = %s AND d.user_id = u.id AND d.confirmed)
    FROM access_user u JOIN directory_organisation o ON o.id = u.organisation_id
    WHERE u.id = %s"""
_AUDIT_SQL = """
    INSERT INTO audit_accessevent (occurred_at, actor_id, actor_username, actor_role,
        organisation_id, action, outcome, purpose, criteria, result_ids, child_public_id,
        reason, ip_address, user_agent, leaf_version, personal_salt, personal_digest)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::varchar(32)[], %s, %s, %s::inet,
        %s, %s, %s, %s) RETURNING id"""
_CHILD_SQL = """
    SELECT c.id, c.public_id, c.given_name, c.family_name, c.date_of_birth, c.gender,
           c.shielded, c.address_line_1_sealed, c.town_sealed, c.postcode_sealed, la.name
    FROM directory_child c JOIN directory_localauthority la ON la.code = c.local_authority_id
    WHERE c.public_id = %s AND c.status = 'active' AND {scope}"""
_CARERS_SQL = """
    SELECT given_name || ' ' || family_name, relationship, id, phone_sealed FROM directory_carer
    WHERE child_id = %s ORDER BY parental_responsibility DESC, family_name, given_name"""
_SERVICES_SQL = """
    SELECT o.name, i.role, coalesce(p.name, '') FROM directory_involvement i
    JOIN directory_organisation o ON o.id = i.organisation_id
    LEFT JOIN directory_practitioner p ON p.id = i.practitioner_id
    WHERE i.child_id = %s AND i.started_on <= %s AND (i.ended_on IS NULL OR i.ended_on > %s)
      AND (NOT i.cloaked OR i.organisation_id = %s)
    ORDER BY i.role, o.name"""
_GRANT_SQL = """
    SELECT expires_at FROM access_accessrequest
    WHERE requester_id = %s AND child_id = %s AND status = 'granted' AND expires_at > %s
    ORDER BY expires_at DESC LIMIT 1"""


def _signed_in(request):
    """(session key, session data, user) for a verified session, or None."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    raw = _REDIS.get(_SESSION_PREFIX + key) if key else None
    if raw is None:
        return None
    data = pickle.loads(raw)  # noqa: S301 - the application's own session store
    user_id, device = data.get("_auth_user_id"), data.get("otp_device_id", "")
    started = data.get("cp_session_started_at", 0)
    if not user_id or not device or time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
        return None
    expected = binding_for(session_key=key, device_id=device, user_id=int(user_id))
    if not hmac.compare_digest(data.get("cp_second_factor_binding", ""), expected):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_USER_SQL, [int(device.rsplit("/", 1)[1]), int(user_id)])
        row = cursor.fetchone()
    if row is None or not row[4] or not row[13]:
        return None
    organisation = Organisation(
        id=row[5], accredited=row[10], kind=row[11], local_authority_id=row[12]
    )
    user = User(
        id=row[0], username=row[1], role=row[2], password=row[3], is_active=row[4],
        organisation=organisation, dbs_certificate_number=row[6], dbs_checked_on=row[7],
        training_completed_on=row[8], agreement_signed_on=row[9],
    )  # fmt: skip
    session_hash = salted_hmac(
        "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
        user.password,
        algorithm="sha256",
    ).hexdigest()
    if not hmac.compare_digest(data.get("_auth_user_hash", ""), session_hash):
        return None
    return key, data, user


def _opened(row):
    """The record row with its sealed address opened (every page must pay for this)."""
    if row is None:
        return None
    public_id = row[1]
    opened = [
        Child.sealed_text(name, raw, row=public_id)
        for name, raw in zip(("address_line_1", "town", "postcode"), row[7:10], strict=True)
    ]
    return (*row[:7], *opened, row[10])


def _may_read(user, today: date) -> bool:
    if not user.reads_child_data or vetting_problems(user, today=today):
        return False
    key = f"{settings.CACHES['default']['KEY_PREFIX']}:1:lookups:{user.pk}"
    allowance = Allowance(key, settings.LOOKUP_RATE_LIMIT, settings.LOOKUP_RATE_WINDOW_SECONDS)
    return _TAKE_SCRIPT(keys=[key], args=take_script_args([allowance]), client=_REDIS) == 1


def _audit(request, user, *, action, outcome, purpose, criteria=None, result_ids=(), child=""):
    personal = _PersonalData.of(criteria, "")
    with connection.cursor() as cursor:
        cursor.execute(
            _AUDIT_SQL,
            [
                timezone.now(), user.pk, user.username, user.role, user.organisation_id,
                action, outcome, purpose, _json(personal.criteria), list(result_ids), child,
                "", request.META.get("REMOTE_ADDR") or None,
                request.META.get("HTTP_USER_AGENT", "")[:300], LEAF_VERSION, personal.salt,
                personal.digest,
            ],
        )  # fmt: skip


def _json(value) -> str:
    import json

    return json.dumps(value)


def _session_save(key: str, data: dict) -> None:
    _REDIS.set(_SESSION_PREFIX + key, pickle.dumps(data), ex=settings.SESSION_COOKIE_AGE)


def search(request):
    now = timezone.now()
    today = timezone.localdate(now)
    signed_in = _signed_in(request)
    if signed_in is None:
        return HttpResponseForbidden("not signed in")
    key, data, user = signed_in
    family, given = request.GET.get("family_name", ""), request.GET.get("given_name", "")
    dob = request.GET.get("date_of_birth")
    purpose = request.GET.get("purpose", "")
    criteria = SimpleNamespace(
        family_name=family, given_name=given, postcode="", postcode_is_outward=False,
        date_of_birth=date.fromisoformat(dob) if dob else None, purpose=purpose,
    )  # fmt: skip
    if not _may_read(user, today):
        return HttpResponseForbidden("refused")
    with transaction.atomic():
        search_session_tune()
        query = MatchQuery(family, given, criteria.date_of_birth)
        keys = query_keys_lookup(query, using="default")
        ranked = candidates_rank(
            query=query,
            condition=_search_condition(user=user, criteria=criteria, keys=keys, today=today),
            limit=settings.SEARCH_RESULT_CAP + 1,
            using="default",
            keys=keys,
        )
        children = [c.row for c in ranked[: settings.SEARCH_RESULT_CAP]]
        audited = {"family_name": family, "given_name": given, "date_of_birth": dob or ""}
        _audit(
            request, user, action="search", outcome="shown" if children else "not_found",
            purpose=purpose, criteria={k: v for k, v in audited.items() if v},
            result_ids=[c["public_id"] for c in children],
        )  # fmt: skip
    data["cp_purpose"] = purpose
    _session_save(key, data)
    return HttpResponse(_SEARCH_PAGE.render(Context({"children": children})))


def record(request, public_id: str):
    now = timezone.now()
    today = timezone.localdate(now)
    signed_in = _signed_in(request)
    if signed_in is None:
        return HttpResponseForbidden("not signed in")
    key, data, user = signed_in
    purpose = request.GET.get("purpose") or data.get("cp_purpose", "")
    if not _may_read(user, today):
        return HttpResponseForbidden("refused")
    scope, params = child_scope_sql(user=user, now=now, today=today)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CHILD_SQL.format(scope=scope.replace('"directory_child"', "c")),
                       [public_id, *params])  # fmt: skip
        child = _opened(cursor.fetchone())
        carers = services = []
        if child is not None:
            cursor.execute(_CARERS_SQL, [child[0]])
            carers = [
                (name, relationship, Carer.sealed_text("phone", phone, row=str(carer_id)))
                for name, relationship, carer_id, phone in cursor.fetchall()
            ]
            cursor.execute(_SERVICES_SQL, [child[0], today, today, user.organisation_id])
            services = cursor.fetchall()
            cursor.execute(_GRANT_SQL, [user.pk, child[0], now])
            cursor.fetchone()
        _audit(
            request, user, action="view", outcome="shown" if child else "not_found",
            purpose=purpose, child=public_id,
        )  # fmt: skip
    data["cp_purpose"] = purpose
    _session_save(key, data)
    if child is None:
        return HttpResponseNotFound("not found")
    fields = ("id", "public_id", "given_name", "family_name", "date_of_birth", "gender",
              "shielded", "address_line_1", "town", "postcode", "local_authority")  # fmt: skip
    context = {"child": dict(zip(fields, child, strict=True)), "carers": carers}
    context["services"] = services
    return HttpResponse(_RECORD_PAGE.render(Context(context)))
