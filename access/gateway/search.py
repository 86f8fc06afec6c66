"""Child search: typo-tolerant, scoped in SQL, capped, audited in the same transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, FloatField, Func, Q, QuerySet, Value
from django.utils import timezone

from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from directory.models import Child, DoubleMetaphone, NameKey

from .gate import ensure_may_read
from .replica import child_read
from .scope import child_scope_q


@dataclass(frozen=True)
class SearchCriteria:
    """What the user typed, already validated and normalised by the form."""

    family_name: str
    purpose: str
    given_name: str = ""
    date_of_birth: date | None = None
    postcode: str = ""
    postcode_is_outward: bool = False

    def for_audit(self) -> dict:
        data = asdict(self)
        data["date_of_birth"] = self.date_of_birth.isoformat() if self.date_of_birth else ""
        del data["purpose"], data["postcode_is_outward"]
        return {k: v for k, v in data.items() if v}


@dataclass(frozen=True)
class ChildSummary:
    """One search result. A shielded child shows only name, gender, date of birth and ID."""

    public_id: str
    given_name: str
    family_name: str
    date_of_birth: date
    gender: str
    shielded: bool
    town: str
    postcode: str

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True)
class SearchResult:
    children: list[ChildSummary]
    more_than_cap: bool


class Similarity(Func):
    function = "similarity"
    output_field = FloatField()


def child_search(
    *, user, criteria: SearchCriteria, actor: Actor, today: date | None = None
) -> SearchResult:
    """Find children in ``user``'s scope matching ``criteria``; audit criteria and result ids.

    Rule (audit before data): the event naming every returned id is inserted in the same
    transaction as the query; if it fails, the caller gets an exception and no results.
    """
    today = today or timezone.localdate()
    ensure_may_read(
        user=user,
        actor=actor,
        today=today,
        purpose=criteria.purpose,
        criteria=criteria.for_audit(),
    )
    cap = settings.SEARCH_RESULT_CAP
    with transaction.atomic():
        # Read first (on a caught-up replica when one is configured), then the event naming
        # the result ids, committed on the primary before anything is returned: the event lists
        # what was found, so it cannot be written before the read.
        with child_read() as using:
            search_session_tune(using=using)
            rows = list(_matching_children(user=user, criteria=criteria, today=today)[: cap + 1])
        children = [child_summary(child) for child in rows[:cap]]
        access_event_record(
            actor=actor,
            action=AccessEvent.Action.SEARCH,
            outcome=AccessEvent.Outcome.SHOWN if children else AccessEvent.Outcome.NOT_FOUND,
            purpose=criteria.purpose,
            criteria=criteria.for_audit(),
            result_ids=[c.public_id for c in children],
        )
    return SearchResult(children=children, more_than_cap=len(rows) > cap)


def search_session_tune(using: str = DEFAULT_DB_ALIAS) -> None:
    """Per-transaction planner settings for search.

    The trigram threshold decides what counts as a typo; a parallel worker costs more than it
    saves on a 2-core machine for queries this selective.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true), "
            "set_config('max_parallel_workers_per_gather', '0', true)",
            [str(settings.SEARCH_TRIGRAM_THRESHOLD)],
        )


def _matching_children(*, user, criteria: SearchCriteria, today: date) -> QuerySet[Child]:
    in_scope = Child.objects.filter(child_scope_q(user=user, now=timezone.now(), today=today))
    return children_matching(criteria=criteria, among=in_scope)


def children_matching(*, criteria: SearchCriteria, among: QuerySet[Child]) -> QuerySet[Child]:
    """Active children in ``among`` whose names (and the other criteria) match, best first.

    Typos and variants: trigram similarity on the normalised family name or an equal double
    metaphone key; a given name matches by similarity, prefix or sound.
    """
    family_key = NameKey(Value(criteria.family_name))
    name_matches = Q(family_key__trigram_similar=family_key) | Q(
        family_phonetic=DoubleMetaphone(family_key)
    )
    queryset = among.filter(name_matches, status=Child.Status.ACTIVE)
    score = Similarity(F("family_key"), family_key)
    if criteria.date_of_birth:
        queryset = queryset.filter(date_of_birth=criteria.date_of_birth)
    if criteria.given_name:
        given_key = NameKey(Value(criteria.given_name))
        queryset = queryset.alias(given_phonetic=DoubleMetaphone(F("given_key"))).filter(
            Q(given_key__trigram_similar=given_key)
            | Q(given_key__startswith=given_key)
            | Q(given_phonetic=DoubleMetaphone(given_key))
        )
        score = score + Similarity(F("given_key"), given_key)
    if criteria.postcode:
        # Rule (shielding): a shielded child is never found by where they live.
        queryset = queryset.filter(shielded=False)
        if criteria.postcode_is_outward:
            queryset = queryset.filter(postcode__startswith=f"{criteria.postcode} ")
        else:
            queryset = queryset.filter(postcode=criteria.postcode)
    return queryset.annotate(score=score).order_by(
        "-score", "family_name", "given_name", "date_of_birth", "public_id"
    )


def child_summary(child: Child) -> ChildSummary:
    return ChildSummary(
        public_id=child.public_id,
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        gender=child.get_gender_display(),
        shielded=child.shielded,
        town="" if child.shielded else child.town,
        postcode="" if child.shielded else child.postcode,
    )
