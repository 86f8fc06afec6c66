"""Audit before data on every audited page (issue 18).

Every URL in the URLconf is named here, so that a new one cannot be forgotten
(``test_it_names_every_url``): either with a request that uses it as the role it is for
(``CASES``: persona, method, address, form), or in ``NOT_AUDITED`` with the reason it writes
nothing to the lookup log in the request's transaction. Each case says whether it is audited,
and the test checks that too: an audited request writes at least one event, one that is not
writes none. Then, with every insert into the log failing in the database, each audited
request must answer the 503 page with ``Retry-After`` and none of the world's child details
(``access.middleware.ErrorPageMiddleware``), and leave no event behind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from access.models import AccessRequest, ContactRequest, Notification, Role, ShieldChange
from audit.models import AccessEvent
from directory.feeds.uploads import feed_upload_queue, feed_upload_run
from directory.models import ChildMerge, Correction, FeedReview, FeedUpload
from tests.access.conftest import shield_world  # noqa: F401 - fixture
from tests.access.test_provisioning import _email_request, people  # noqa: F401 - fixture
from tests.access.test_provisioning_owner import awaiting  # noqa: F401 - fixture
from tests.api.conftest import registered_client
from tests.api.test_fail_closed import AUDITED as API_AUDITED
from tests.audit.test_alert_views import _evidence, _raise
from tests.conftest import verified_client
from tests.directory.test_feeds import UNSURE, feed_bytes, row
from tests.factories import ChildFactory, GrantFactory, InvolvementFactory, UserFactory

from .test_fail_closed import break_audit

REASON = "The family asked for it; checked with the social worker on the phone today."
# Everything about the children of the scene that must never be on a 503 page.
CHILD_DETAILS = (b"Leo", b"Abbott", b"Ruby", b"Maya", b"Oliver", b"Refuge", b"Grace", b"ME14")


@dataclass(frozen=True)
class Case:
    persona: str
    path: Callable[[SimpleNamespace], str]
    method: str = "get"
    data: Callable[[SimpleNamespace], dict] = field(default=lambda s: {})
    audited: bool = True
    step_up: bool = False
    # The fixture that builds the world the case needs.
    scene: str = "scene"
    # Fields a form carries from the page before it (a one-time token), read with the client.
    carried: Callable | None = None


def _once(client, s) -> dict:
    """The override form's one-time token, from its warning page."""
    page = client.get(f"/children/{s.maya.public_id}/override/").content.decode()
    return {"once": re.search(r'name="once" value="([^"]+)"', page).group(1)}


CASES: dict[str, Case] = {
    "directory:search": Case(
        "alice",
        lambda s: "/search/",
        data=lambda s: {"family_name": "Abbott", "purpose": "referral"},
    ),
    "directory:record": Case("alice", lambda s: f"/children/{s.leo.public_id}/?purpose=referral"),
    "home": Case("alice", lambda s: "/", audited=False),
    "break_glass:break_glass": Case(
        "alice",
        lambda s: "/break-glass/",
        "post",
        lambda s: {"reason": "immediate_risk", "justification": REASON},
        step_up=True,
    ),
    "break_glass:request_access": Case(
        "alice",
        lambda s: "/request-access/",
        "post",
        lambda s: {"reason": "new_involvement", "justification": REASON},
    ),
    "break_glass:directory_search": Case(
        "alice",
        lambda s: f"/break-glass/{s.invoked.pk}/search/?family_name=Thompson&postcode=ME14+1XX",
    ),
    "break_glass:grant": Case(
        "alice",
        lambda s: f"/break-glass/{s.invoked.pk}/grant/",
        "post",
        lambda s: {"public_id": s.kent_child.public_id},
    ),
    "break_glass:my_requests": Case("alice", lambda s: "/my-requests/", audited=False),
    "break_glass:supervision": Case("sam", lambda s: "/supervision/"),
    "break_glass:escalations": Case("ivy", lambda s: "/supervision/escalations/"),
    "break_glass:supervision_detail": Case("sam", lambda s: f"/supervision/{s.granted.pk}/"),
    "break_glass:supervision_detail POST": Case(
        "sam",
        lambda s: f"/supervision/{s.granted.pk}/",
        "post",
        lambda s: {"decision": "endorse", "note": "ok"},
    ),
    "inbox:inbox": Case("dee", lambda s: "/inbox/", audited=False),
    "inbox:detail": Case("dee", lambda s: f"/inbox/{s.notification.pk}/"),
    "inbox:open": Case("dee", lambda s: f"/inbox/{s.notification.pk}/open/", "post", audited=False),
    "shielding:contact_request": Case(
        "alice",
        lambda s: f"/children/{s.maya.public_id}/request-contact/",
        "post",
        lambda s: {"purpose": "referral", "message": "Please ask the family to call school."},
    ),
    "shielding:set": Case("dee", lambda s: f"/children/{s.leo.public_id}/shield/"),
    "shielding:lift": Case("dee", lambda s: f"/children/{s.maya.public_id}/lift-shield/"),
    "shielding:queue": Case("dan", lambda s: "/shielding/"),
    "shielding:decision": Case("dan", lambda s: f"/shielding/{s.lift.pk}/"),
    "shielding:decision POST": Case(
        "dan",
        lambda s: f"/shielding/{s.lift.pk}/",
        "post",
        lambda s: {"decision": "approve", "note": "ok"},
    ),
    "shielding:set POST": Case(
        "dee",
        lambda s: f"/children/{s.leo.public_id}/shield/",
        "post",
        lambda s: {"reason": REASON},
    ),
    "shielding:lift POST": Case(
        "dee",
        lambda s: f"/children/{s.ruby.public_id}/lift-shield/",
        "post",
        lambda s: {"reason": REASON},
    ),
    "contact_requests:queue": Case("dee", lambda s: "/contact-requests/"),
    "contact_requests:item": Case("dee", lambda s: f"/contact-requests/{s.contact.pk}/"),
    "contact_requests:item POST": Case(
        "dee", lambda s: f"/contact-requests/{s.contact.pk}/", "post", lambda s: {"action": "take"}
    ),
    "recertification:queue": Case("sam", lambda s: "/team/recertify/", audited=False),
    "recertification:confirm": Case(
        "sam", lambda s: f"/team/recertify/{s.alice.pk}/confirm/", "post"
    ),
    "recertification:withdraw": Case(
        "sam",
        lambda s: f"/team/recertify/{s.alice.pk}/withdraw/",
        "post",
        lambda s: {"note": REASON},
    ),
    "corrections:involvements": Case(
        "alice", lambda s: f"/children/{s.leo.public_id}/involvements/", audited=False
    ),
    "corrections:report": Case(
        "alice",
        lambda s: f"/children/{s.leo.public_id}/report/",
        "post",
        lambda s: {"detail": "carer", "note": "Mum's number is now 07700 900555"},
    ),
    "corrections:queue": Case("dee", lambda s: "/corrections/"),
    "corrections:item": Case("dee", lambda s: f"/corrections/{s.correction.pk}/"),
    "audit:my_lookups": Case("alice", lambda s: "/audit/my-lookups/"),
    "audit:team_lookups": Case("sam", lambda s: "/audit/team-lookups/", audited=False),
    "audit:child_viewers_start": Case("dee", lambda s: "/audit/child-viewers/", audited=False),
    "audit:child_viewers": Case("dee", lambda s: f"/audit/children/{s.leo.public_id}/viewers/"),
    "audit:alert_queue": Case("ivy", lambda s: "/audit/alerts/"),
    "audit:misuse_dashboard": Case("ivy", lambda s: "/audit/alerts/dashboard/"),
    "audit:alert_detail": Case("ivy", lambda s: f"/audit/alerts/{s.alert.pk}/"),
    "shielding:override": Case(
        "cara",
        lambda s: f"/children/{s.maya.public_id}/override/",
        "post",
        lambda s: {"purpose": "safeguarding_concern", "reason": REASON},
        step_up=True,
        carried=_once,
    ),
    "audit:child_viewers_confidential": Case(
        "dee",
        lambda s: f"/audit/children/{s.leo.public_id}/viewers/confidential/",
        "post",
        lambda s: {"reason": REASON},
        step_up=True,
    ),
    "feed_reviews:merge": Case(
        "dee",
        lambda s: "/feeds/merge/",
        data=lambda s: {"first": s.leo.public_id, "second": s.twin.public_id},
    ),
    "feed_reviews:merge POST": Case(
        "dee",
        lambda s: "/feeds/merge/",
        "post",
        lambda s: {
            "first": s.leo.public_id,
            "second": s.twin.public_id,
            "kept": s.leo.public_id,
            "reason": REASON,
        },
    ),
    "feed_reviews:merges": Case("dee", lambda s: "/feeds/merges/", audited=False),
    "feed_reviews:undo": Case(
        "dee", lambda s: f"/feeds/merges/{s.merged.pk}/undo/", "post", lambda s: {"reason": REASON}
    ),
    "admin:provisioning_queue": Case(
        "connie", lambda s: "/admin/provisioning/", scene="provisioning", audited=False
    ),
    "admin:provisioning_decision": Case(
        "connie",
        lambda s: f"/admin/provisioning/{s.pending.pk}/",
        scene="provisioning",
        audited=False,
    ),
    "admin:provisioning_decision POST": Case(
        "connie",
        lambda s: f"/admin/provisioning/{s.pending.pk}/",
        "post",
        lambda s: {"decision": "approve", "note": ""},
        step_up=True,
        scene="provisioning",
    ),
    "account:changes": Case(
        "alice", lambda s: "/account/changes/", scene="awaiting_holder", audited=False
    ),
    "account:changes POST": Case(
        "alice",
        lambda s: "/account/changes/",
        "post",
        lambda s: {"request_id": s.pending.pk, "decision": "confirm"},
        step_up=True,
        scene="awaiting_holder",
    ),
    "directory:legal_hold": Case(
        "dee",
        lambda s: f"/children/{s.leo.public_id}/legal-hold/",
        "post",
        lambda s: {"hold": "on", "reason": REASON},
    ),
    "corrections:involvement_end": Case(
        "alice",
        lambda s: f"/children/{s.leo.public_id}/involvements/end/",
        "post",
        lambda s: {"role": "school", "ended_on": timezone.localdate().isoformat()},
    ),
    "corrections:involvement_add": Case(
        "alice",
        lambda s: f"/children/{s.leo.public_id}/involvements/add/",
        "post",
        lambda s: {"role": "school_nurse", "started_on": timezone.localdate().isoformat()},
    ),
    # The feeds pages show files, counts and row problems, never a child: nothing to audit.
    # The import is audited where it runs, in the worker (``directory.feeds.uploads``).
    "feeds:uploads": Case("dee", lambda s: "/feeds/", scene="feeds", audited=False),
    "feeds:uploads POST": Case(
        "dee",
        lambda s: "/feeds/",
        "post",
        lambda s: {"source": "school_census", "file": _feed_file(s.school_a, "UPN-9")},
        scene="feeds",
        audited=False,
    ),
    "feeds:upload": Case(
        "dee", lambda s: f"/feeds/uploads/{s.rejected.pk}/", scene="feeds", audited=False
    ),
    "feeds:upload_errors": Case(
        "dee", lambda s: f"/feeds/uploads/{s.rejected.pk}/errors.csv", scene="feeds", audited=False
    ),
    "feed_reviews:queue": Case("dee", lambda s: "/feeds/reviews/", scene="feeds"),
    "feed_reviews:item": Case("dee", lambda s: f"/feeds/reviews/{s.held.pk}/", scene="feeds"),
    "feed_reviews:item POST": Case(
        "dee",
        lambda s: f"/feeds/reviews/{s.held.pk}/",
        "post",
        lambda s: {"decision": "not_sure"},
        scene="feeds",
    ),
    # Listing the user's organisation's systems shows no child; issuing a token is audited.
    "api_access": Case(
        "alice",
        lambda s: "/account/api-access/",
        step_up=True,
        scene="api_access_scene",
        audited=False,
    ),
    "api_access POST": Case(
        "alice",
        lambda s: "/account/api-access/",
        "post",
        lambda s: {"client": s.school_system.client_id},
        step_up=True,
        scene="api_access_scene",
    ),
}

# Pages that write nothing to the lookup log in the request's own transaction, and why.
_SIGN_IN = "a sign-in step: its event is written in a transaction of its own"
NOT_AUDITED = {
    **dict.fromkeys(
        (
            "access:login",
            "access:second_factor",
            "access:enrol",
            "access:enrol_code",
            "access:logout",
            "access:step_up",
            "access:recovery_code_sign_in",
            "access:security_key_needed",
            "access:key_register_begin",
            "access:key_register_complete",
            "access:key_sign_in_begin",
            "access:key_sign_in_complete",
            "access:key_step_up_begin",
            "access:key_step_up_complete",
            "access:webauthn_strings",
            "access:password_reset_confirm",
            "access:password_reset_complete",
            "admin:login",
            "admin:password_change",
            "admin:password_change_done",
        ),
        _SIGN_IN,
    ),
    **dict.fromkeys(
        (
            "account:sign_in_methods",
            "account:security_key_name",
            "account:security_key_remove",
            "account:recovery_codes",
        ),
        "the user's own sign-in methods: no child data; changes audited in their own transaction",
    ),
    **dict.fromkeys(("info:help", "info:accessibility", "info:privacy"), "static page"),
    "healthz": "readiness in one word: no child data, nothing written",
    "healthz_live": "the process answers: reads nothing, writes nothing",
    "api:me_access_requests": "the caller's own requests, as /my-requests/: nothing written",
    "api:me_notifications": "the caller's inbox without details, as /inbox/: nothing written",
    "api:schema": "the OpenAPI document: no child data",
    "api:reference": "the API's reference page: no child data",
    "api:None": "an address under /api/v1/ that names nothing: the not-found problem",
    "healthz_ready": "each dependency's figure: no child data, nothing written",
}


def _url_names() -> set[str]:
    """Every named URL, with its namespace, except Django admin's own model pages (the
    project's pages inside the admin, provisioning, are included)."""

    def walk(resolver: URLResolver, namespace: str, prefix: str):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern, inner, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                module = getattr(pattern.callback, "__module__", "")
                yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), module

    return {
        name
        for name, path, module in walk(get_resolver(), "", "")
        if not path.startswith("admin/") or module.startswith(("access.", "audit.", "directory."))
    }


def test_it_names_every_url():
    """A new page must be added to ``CASES`` (it reads or writes child data, so it is
    audited and must fail closed) or to ``NOT_AUDITED`` with the reason it is not."""
    named = {key.split(" ")[0] for key in CASES} | set(NOT_AUDITED)
    named |= set(API_AUDITED)  # each answered by a 503 problem in tests/api/test_fail_closed.py
    assert _url_names() - named == set(), "name these pages in CASES or NOT_AUDITED"
    assert named - _url_names() == set(), "these names are no longer in the URLconf"


@pytest.fixture
def scene(shield_world, as_user):  # noqa: F811
    """One world in which every page of ``CASES`` has something to show its persona."""
    s = shield_world
    s.ivy = UserFactory(username="ivy", organisation=None, role=Role.AUDITOR)
    s.leo = ChildFactory(given_name="Leo", family_name="Abbott", local_authority=s.leeds)
    InvolvementFactory(child=s.leo, organisation=s.school_a)
    s.ruby = ChildFactory(
        given_name="Ruby", family_name="Quartermaine", local_authority=s.leeds, shielded=True
    )
    s.granted = GrantFactory(
        requester=s.alice, supervisor=s.sam, child=s.kent_child, expires_at=timezone.now()
    )
    s.invoked = AccessRequest.objects.create(
        requester=s.alice,
        supervisor=s.sam,
        kind=AccessRequest.Kind.EMERGENCY,
        reason=AccessRequest.Reason.IMMEDIATE_RISK,
        justification=REASON,
        status=AccessRequest.Status.INVOKED,
        offered_ids=[s.kent_child.public_id],
    )
    alice = as_user(s.alice)
    alice.get(f"/children/{s.leo.public_id}/?purpose=referral")
    alice.post(
        f"/children/{s.maya.public_id}/request-contact/",
        {"purpose": "referral", "message": "Please ask the family to call the school."},
    )
    s.contact = ContactRequest.objects.get()
    s.notification = Notification.objects.filter(recipient=s.dee).latest("pk")
    alice.post(
        f"/children/{s.leo.public_id}/report/",
        {"detail": "carer", "note": "Mum's number is now 07700 900555"},
    )
    s.correction = Correction.objects.get()
    as_user(s.dee).post(f"/children/{s.maya.public_id}/lift-shield/", {"reason": REASON})
    s.lift = ShieldChange.objects.get(status="pending")
    s.alert = _raise(s.alice, severity="high", evidence=_evidence(s.alice, s.leo))
    s.twin = ChildFactory(given_name="Leo", family_name="Abbot", local_authority=s.leeds)
    first = ChildFactory(given_name="Leo", family_name="Abbott", local_authority=s.leeds)
    second = ChildFactory(given_name="Leo", family_name="Abot", local_authority=s.leeds)
    as_user(s.dee).post(
        "/feeds/merge/",
        {"first": first.public_id, "second": second.public_id, "kept": first.public_id,
         "reason": REASON},
    )  # fmt: skip
    s.merged = ChildMerge.objects.get()
    return s


@pytest.fixture
def provisioning(people, as_user):  # noqa: F811
    """alice's e-mail change, asked by her school's admin, waiting for connie (an admin of
    the authority's children's services)."""
    world, p = people
    return SimpleNamespace(connie=p["connie"], pending=_email_request(people, as_user))


@pytest.fixture
def awaiting_holder(awaiting):  # noqa: F811
    """The same change approved, waiting for alice to confirm it."""
    world, _p, pending = awaiting
    return SimpleNamespace(alice=world.alice, pending=pending)


def _feed_file(school, source_record_id: str, **values) -> SimpleUploadedFile:
    """A school census file of one record, as the feeds page receives it."""
    data = feed_bytes(row(SimpleNamespace(school_a=school), source_record_id=source_record_id,
                          **values))  # fmt: skip
    return SimpleUploadedFile("census.csv", data, content_type="text/csv")


@pytest.fixture
def feeds(shield_world):  # noqa: F811
    """dee's authority after two uploads: one rejected (a date of birth that is no date), one
    whose record could be Maya and is held for review."""
    s = shield_world

    def upload(source_record_id: str, **values) -> FeedUpload:
        file = _feed_file(s.school_a, source_record_id, **values)
        queued = feed_upload_queue(
            user=s.dee, source="school_census", filename=file.name, data=file.read()
        )
        feed_upload_run(upload_id=queued.pk)
        return FeedUpload.objects.get(pk=queued.pk)

    s.rejected = upload("UPN-1", date_of_birth="2016-13-40")
    upload("UPN-7", **UNSURE)
    s.held = FeedReview.objects.get()
    return s


@pytest.fixture
def api_access_scene(world):
    """School A's connecting system, for which alice may issue a token."""
    return SimpleNamespace(**vars(world), school_system=registered_client(world.school_a))


class _Rollback(Exception):
    pass


def _client(scene, case: Case, stepped_up):
    """Signed in (and any token read) before anything is measured: signing in writes its
    own event."""
    user = getattr(scene, case.persona)
    client = stepped_up(user) if case.step_up else verified_client(user)
    return client, case.carried(client, scene) if case.carried else {}


def _ask(client, scene, case: Case):
    client, carried = client
    send = client.post if case.method == "post" else client.get
    return send(case.path(scene), {**case.data(scene), **carried})


@pytest.mark.parametrize("key", sorted(CASES))
def test_it_fails_closed_on_every_audited_page(key, request, stepped_up, db):
    case = CASES[key]
    scene = request.getfixturevalue(case.scene)
    client = _client(scene, case, stepped_up)
    before = AccessEvent.objects.count()
    try:
        with transaction.atomic():
            response = _ask(client, scene, case)
            written = AccessEvent.objects.count() - before
            raise _Rollback
    except _Rollback:
        pass
    assert response.status_code < 400, (key, response.status_code)
    assert bool(written) == case.audited, (key, written)
    if not case.audited:
        return
    client = _client(scene, case, stepped_up)
    before = AccessEvent.objects.count()
    break_audit()
    response = _ask(client, scene, case)
    assert response.status_code == 503, (key, response.status_code)
    assert response["Retry-After"]
    assert b"could not be recorded" in response.content
    for detail in CHILD_DETAILS:
        assert detail not in response.content, (key, detail)
    assert AccessEvent.objects.count() == before
