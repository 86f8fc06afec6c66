"""The synthetic history as the gateway would have written it, collected and then loaded.

Each helper writes the events one real action leaves in the log — a search and the view
that follows it; a break-glass with its whole-directory search, grant, view and the
supervisor's judgement — plus the ``AccessRequest`` row the access rules and the
rubber-stamp detector read. Events go in through ``audit.writer.access_events_load_synthetic``,
day by day in time order, so ids follow time as they do in the real log.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from access.models import AccessRequest, ContactRequest
from audit.writer import Actor, PastEvent, access_events_load_synthetic
from directory.demo.pgcopy import rows_copy
from directory.models import Correction, Involvement

from .world import Person, World

LONDON = ZoneInfo("Europe/London")
_REQUEST_FIELDS = (
    "id", "requester", "supervisor", "kind", "reason", "justification",
    "offered_ids", "child", "status", "created_at", "granted_at", "expires_at", "judgement",
    "judged_by", "judged_at", "judgement_note", "expiry_recorded", "directory_searches",
)  # fmt: skip


def moment(day: date, hour: float) -> datetime:
    """Local wall-clock time ``hour`` (may pass 24) on ``day``."""
    return datetime.combine(day, time(), tzinfo=LONDON) + timedelta(hours=hour)


class Log:
    def __init__(self, world: World):
        self.world = world
        self.by_day: dict[date, list[PastEvent]] = defaultdict(list)
        self.requests: list[tuple] = []
        # What ordinary work leaves besides the log (``traces.py``), drawn from a stream of
        # its own so that the log is the same event for event with or without it.
        self.trace_rng = random.Random(0)
        self.involvements: list[tuple] = []
        self.contact_requests: list[tuple] = []
        self.corrections: list[tuple] = []
        self._actors: dict[int, Actor] = {}
        self._practitioners: dict[int, list[Person]] = {}

    def actor(self, person: Person) -> Actor:
        if person.id not in self._actors:
            self._actors[person.id] = Actor(
                user_id=person.id,
                username=person.username,
                role=person.role,
                organisation_id=person.org_id,
                ip_address="10.20.0.1",
                user_agent="bench",
            )
        return self._actors[person.id]

    def add(self, person: Person, when: datetime, action: str, outcome: str = "ok", **fields):
        event = PastEvent(occurred_at=when, actor=self.actor(person), action=action,
                          outcome=outcome, **fields)  # fmt: skip
        self.by_day[when.astimezone(LONDON).date()].append(event)

    def search(self, person: Person, when: datetime, criteria: dict, found: list[int]) -> None:
        self.add(
            person, when, "search", "shown" if found else "not_found",
            purpose="current_involvement", criteria=criteria,
            result_ids=tuple(self.world.child_public[c] for c in found),
        )  # fmt: skip

    def view(self, person: Person, when: datetime, child: int, action: str = "view") -> None:
        self.add(person, when, action, "shown", purpose="current_involvement",
                 child_public_id=self.world.child_public[child])  # fmt: skip

    def lookup(self, person: Person, when: datetime, child: int, *, opened: bool, rng) -> None:
        """Search by family name (and often date of birth), then open the record."""
        w = self.world
        criteria = {"family_name": w.child_family[child]}
        if rng.random() < 0.6:
            criteria["date_of_birth"] = w.child_born[child].isoformat()
        else:
            criteria["given_name"] = w.child_given[child]
        self.search(person, when, criteria, [child])
        if opened:
            self.view(person, when + timedelta(seconds=rng.uniform(8, 90)), child)

    def break_glass(
        self, person: Person, when: datetime, child: int, *, judge: Person | None,
        judged_after: float | None, judgement: str = "endorsed", views: int = 1,
    ) -> int:  # fmt: skip
        """One emergency access, start to finish; returns the request's id."""
        request_id = len(self.requests) + 1
        w = self.world
        granted = when + timedelta(seconds=75)
        criteria = {
            "family_name": w.child_family[child],
            "date_of_birth": w.child_born[child].isoformat(),
        }
        self.add(
            person,
            when,
            "break_glass",
            purpose="emergency",
            reason=f"request {request_id}: immediate_risk: child at risk, urgent contact",
        )
        self.add(
            person,
            when + timedelta(seconds=50),
            "directory_search",
            "shown",
            purpose="emergency",
            criteria=criteria,
            result_ids=(w.child_public[child],),
            reason=f"request {request_id}",
        )
        self.add(
            person,
            granted,
            "access_granted",
            purpose="emergency",
            child_public_id=w.child_public[child],
            reason=f"request {request_id}",
        )
        for n in range(views):
            self.view(person, granted + timedelta(seconds=20 + 600 * n), child)
        judged_at = None if judged_after is None else granted + timedelta(seconds=judged_after)
        if judged_at is not None and judge is not None:
            action = {"endorsed": "bg_endorsed", "rejected": "bg_rejected"}[judgement]
            self.add(
                judge,
                judged_at,
                action,
                child_public_id=w.child_public[child],
                reason=f"request {request_id}: judged",
            )
        elif judgement == "escalated":
            escalated = granted + timedelta(days=3)
            self.add(
                person,
                escalated,
                "bg_escalated",
                child_public_id=w.child_public[child],
                reason=f"request {request_id}: no judgement within 2 working days",
            )
        self.requests.append((
            request_id, person.id, judge.id if judge else person.supervisor_id, "emergency",
            "immediate_risk", "Child at risk, urgent contact needed.",
            "{" + w.child_public[child] + "}", w.child_db_id[child], "granted",
            when.isoformat(), granted.isoformat(),
            (granted + timedelta(minutes=settings.GRANT_MINUTES)).isoformat(),
            judgement if judged_at or judgement == "escalated" else "pending",
            judge.id if judge and judged_at else "",
            judged_at.isoformat() if judged_at else "", "", False, 1,
        ))  # fmt: skip
        return request_id

    def involvement_open(self, child: int, org_id: int, worker: Person | None, on: date) -> None:
        """A case opened with ``child`` on ``on`` (the social-care feed's involvement)."""
        practitioner = self.world.practitioner_of.get(worker.id, "") if worker else ""
        self.world.case_children.add(child)
        self.involvements.append((self.world.child_db_id[child], org_id, practitioner,
                                  "social_worker", on.isoformat(), ""))  # fmt: skip

    def contact_request(self, child: int, *, requester: Person, assignee: Person | None,
                        created: datetime, taken: datetime | None = None) -> None:  # fmt: skip
        """A request that the child's authority put ``requester`` in touch (brokering)."""
        w = self.world
        self.contact_requests.append((
            w.child_public[child], "safeguarding", "", "taken" if assignee else "open",
            taken.isoformat() if taken else "", "", "", created.isoformat(),
            assignee.id if assignee else "", w.child_db_id[child], w.authorities[w.child_la[child]],
            requester.id,
        ))  # fmt: skip

    def correction(self, child: int, *, reporter: Person, reported: datetime, decider: Person,
                   decided: datetime) -> None:  # fmt: skip
        """A detail of the child's record reported wrong, and the data manager's decision."""
        w = self.world
        self.corrections.append((
            "address", "Moved house.", reported.isoformat(), "corrected", decided.isoformat(),
            "", w.child_db_id[child], decider.id, w.authorities[w.child_la[child]], reporter.id,
        ))  # fmt: skip

    def authority_practitioner(self, rng, la: int) -> Person:
        """Someone of the authority's schools, GP practices or health visitors."""
        if not self._practitioners:
            for p in self.world.people:
                if p.profile in ("teacher", "gp", "health_visitor"):
                    self._practitioners.setdefault(p.la, []).append(p)
        return rng.choice(self._practitioners[la])

    def load(self) -> int:
        """Write requests and traces, then events day by day in time order; return the
        event count."""
        rows_copy(AccessRequest, _REQUEST_FIELDS, self.requests,
                  nullable=("judged_by", "judged_at", "supervisor"))  # fmt: skip
        rows_copy(Involvement, ("child", "organisation", "practitioner", "role", "started_on",
                                "ended_on"), self.involvements,
                  nullable=("practitioner", "ended_on"))  # fmt: skip
        rows_copy(ContactRequest, ("child_public_id", "purpose", "message", "status", "taken_at",
                                   "closed_at", "reply", "created_at", "assignee", "child",
                                   "local_authority", "requester"), self.contact_requests,
                  nullable=("taken_at", "closed_at", "assignee"))  # fmt: skip
        rows_copy(Correction, ("detail", "note", "reported_at", "status", "decided_at",
                               "decision_note", "child", "decided_by", "local_authority",
                               "reported_by"), self.corrections)  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('access_accessrequest', 'id'), "
                "greatest(%s, 1))",
                [len(self.requests)],
            )
        days = sorted(self.by_day)
        if days:
            with connection.cursor() as cursor:
                # Monthly partitions for the history, as beat creates them ahead of time.
                cursor.execute(
                    "SELECT cp_audit_partitions_ensure(%s, %s)",
                    [moment(days[0], 0), moment(days[-1], 24)],
                )
        loaded = 0
        for day in days:
            events = sorted(self.by_day.pop(day), key=lambda e: e.occurred_at)
            loaded += access_events_load_synthetic(events)
        return loaded
