"""The SQL and query plans of every query that applies the scope rule, for comparing before
and after a change to ``access/gateway/scope.py`` (issue 18: the rule written once must give
the planner the same queries it had when it was written by hand).

    .venv/bin/python bench/scope_plans.py /tmp/plans-after.txt
    git stash; .venv/bin/python bench/scope_plans.py /tmp/plans-before.txt; git stash pop
    diff /tmp/plans-before.txt /tmp/plans-after.txt   # times, ids and aliases only

Needs a seeded demo world (``seed_demo``); prints no numbers. Everything it does — searches
and record views as teacher.a, socialworker, gp.a and nurse.sexualhealth (one with a live
grant), misuse review's explanation of them and the cloaked-enquiry candidates — runs in one
transaction that is rolled back.
"""

import re
import sys
from datetime import timedelta

from _django import setup

setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from access.gateway import (  # noqa: E402
    ChildNotFound,
    SearchCriteria,
    child_get_for_user,
    child_search,
    cloaked_enquiries,
    lookup_facts,
)
from access.gateway.scope import active_involvement_q  # noqa: E402
from access.models import AccessRequest, User  # noqa: E402
from audit.models import AccessEvent  # noqa: E402
from audit.writer import Actor  # noqa: E402
from directory.models import Child, Involvement  # noqa: E402

USERS = ("teacher.a", "socialworker", "gp.a", "nurse.sexualhealth")


class _Rollback(Exception):
    pass


def _plans(out, label: str, queries, wanted) -> None:
    out.write(f"## {label}\n")
    for query in queries:
        sql = query["sql"]
        if not wanted(sql):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (COSTS OFF) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        out.write(re.sub(r"\s+", " ", sql).strip() + "\n" + plan + "\n")


def _reads(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH")) and "directory_" in sql


def _lookups(out, users: dict, child: Child, granted: Child) -> None:
    family = child.family_name
    for name, user in users.items():
        actor = Actor(user.pk, user.username, user.role, user.organisation_id, None, "plans")
        for label, criteria in (
            ("name", SearchCriteria(family_name=family, purpose="referral")),
            (
                "dob",
                SearchCriteria(
                    family_name=family, purpose="referral", date_of_birth=child.date_of_birth
                ),
            ),  # fmt: skip
            ("grant", SearchCriteria(family_name=granted.family_name, purpose="referral")),
        ):
            with CaptureQueriesContext(connection) as queries:
                result = child_search(user=user, criteria=criteria, actor=actor)
            _plans(out, f"search {name} {label} -> {len(result.children)}", queries, _reads)
        for which, public_id in (("child", child.public_id), ("grant", granted.public_id)):
            with CaptureQueriesContext(connection) as queries:
                try:
                    child_get_for_user(user=user, public_id=public_id, purpose="referral",
                                       actor=actor)  # fmt: skip
                    shown = "shown"
                except ChildNotFound:
                    shown = "not found"
            _plans(out, f"record {name} {which} -> {shown}", queries, _reads)


def main(path: str) -> None:
    with open(path, "w") as out:
        try:
            with transaction.atomic():
                first = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first()
                users = {name: User.objects.get(username=name) for name in USERS}
                teacher = users["teacher.a"]
                active = Child.objects.filter(status=Child.Status.ACTIVE).order_by("pk")
                granted = active.exclude(involvements__organisation=teacher.organisation)[500]
                now = timezone.now()
                AccessRequest.objects.create(
                    requester=teacher, supervisor=teacher, kind="emergency",
                    reason="immediate_risk", justification="Plans.", child=granted,
                    status="granted", granted_at=now - timedelta(minutes=5),
                    expires_at=now + timedelta(minutes=50),
                )  # fmt: skip
                known = active.filter(involvements__organisation=teacher.organisation)
                _lookups(out, users, known.order_by("pk")[10], granted)
                last = AccessEvent.objects.order_by("-id").values_list("id", flat=True).first()
                with CaptureQueriesContext(connection) as queries:
                    lookup_facts.lookup_facts_record(after_id=first or 0, through_id=last)
                _plans(out, "lookup_facts", queries, lambda sql: "lookupexplanation" in sql)
                with CaptureQueriesContext(connection) as queries:
                    cloaked_enquiries._chunk(first or 0, last)
                _plans(out, "cloaked enquiries", queries, lambda sql: "audit_accessevent" in sql)
                with CaptureQueriesContext(connection) as queries:
                    list(Involvement.objects.filter(active_involvement_q(today=now.date()),
                                                    child=granted))  # fmt: skip
                _plans(out, "active_involvement_q", queries, lambda sql: True)
                raise _Rollback
        except _Rollback:
            pass


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/dev/stdout")
