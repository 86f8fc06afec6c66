"""Child search: typo-tolerant, scoped in SQL, capped, audited in the same transaction.

Matching: family names through the dictionary of name keys (trigram and double metaphone,
current and former surnames), given names by similarity, sound and a nickname table, dates
of birth as typed or with day and month swapped. See docs/performance.md for the plans.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Case, F, FloatField, Func, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Greatest, Length
from django.utils import timezone

from access.models import AccessRequest
from audit.models import AccessEvent
from audit.writer import Actor, access_event_record
from directory.models import Child, DoubleMetaphone, FamilyNameKey, Involvement, NameKey
from directory.normalise import date_of_birth_readings, given_name_variants, name_key

from .gate import ensure_may_read
from .replica import child_read
from .scope import active_involvement_q, child_scope_q

# How many dictionary keys one typed family name may expand to: enough for every spelling
# of a common name, few enough that the btree lookups stay a handful of milliseconds.
FAMILY_KEYS_LIMIT = 200
# Keys this short or shorter tolerate one keystroke's slip, longer ones two (a swap of two
# letters is two).
SHORT_NAME = 3
# Ranking points: a former surname, a nickname and the typed (not swapped) date of birth
# count nearly as much as an exact name, so the intended child is in the top five.
FORMER_NAME_SCORE = 0.8
NICKNAME_SCORE = 0.8
EXACT_DATE_SCORE = 0.5


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
    transaction as the query (reading a replica: committed on the primary right after it);
    if it fails, the caller gets an exception and no results.
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
    now = timezone.now()
    keys = family_keys_matching(criteria.family_name)
    in_scope = Child.objects.filter(child_scope_q(user=user, now=now, today=today)).filter(
        pk__in=_scope_candidates(user=user, family_keys=keys, now=now, today=today)
    )
    return children_matching(criteria=criteria, among=in_scope, family_keys=keys)


def _scope_candidates(*, user, family_keys: list[str], now: datetime, today: date) -> QuerySet:
    """Ids from which the planner can start: the organisation's active involvements, the
    user's live grants and, for children's services, the authority's children with a
    matching family name, each read through its own index.

    Why: ``child_scope_q`` is an OR of EXISTS conditions, which PostgreSQL can only check
    row by row, so without this it starts from the name (170,000 Smiths in 12 million) and
    probes scope for each. This narrows the plan only; ``child_scope_q`` remains the rule
    and is applied to every row. A source missing here would hide children, never show one.
    """
    organisation = user.organisation
    # "Active today" split in its two ranges of involvement_org_active, so both are read
    # from the index alone; active_involvement_q is the same rule as one condition.
    involved = Involvement.objects.filter(
        active_involvement_q(today=today), organisation_id=organisation.pk
    )
    sources = [
        involved.filter(ended_on__isnull=True).values("child_id"),
        involved.filter(ended_on__gt=today).values("child_id"),
        AccessRequest.objects.filter(
            requester_id=user.pk,
            status=AccessRequest.Status.GRANTED,
            granted_at__lte=now,
            expires_at__gt=now,
            child_id__isnull=False,
        )
        .order_by()
        .values("child_id"),
    ]
    if organisation.is_local_authority:
        residents = Child.objects.filter(local_authority_id=organisation.local_authority_id)
        sources.append(residents.filter(family_key__in=family_keys).values("id"))
        sources.append(residents.filter(_former_surname_q(family_keys)).values("id"))
    return sources[0].union(*sources[1:], all=True)


def family_keys_matching(family_name: str) -> list[str]:
    """Family-name keys that look or sound like ``family_name``, closest first (at most
    ``FAMILY_KEYS_LIMIT``), from the dictionary of keys: trigram similarity above the
    session threshold, an equal double metaphone key (Smyth finds Smith), or, among keys
    with the same first letter, one or two keystrokes away (Daky finds Daly, which share
    too few trigrams and no sound).
    """
    typed = NameKey(Value(family_name))
    key = name_key(family_name)
    close = Q(pk__in=[])
    if key:
        slips = 1 if len(key) <= SHORT_NAME else 2
        close = Q(key__startswith=key[0]) & Q(
            distance__lte=slips, length__range=(len(key) - slips, len(key) + slips)
        )
    return list(
        FamilyNameKey.objects.alias(
            distance=Func(
                F("key"),
                typed,
                Value(2),
                function="levenshtein_less_equal",
                output_field=IntegerField(),
            ),
            length=Length("key"),
        )
        .filter(Q(key__trigram_similar=typed) | Q(phonetic=DoubleMetaphone(typed)) | close)
        .annotate(similarity=Similarity(F("key"), typed))
        .order_by("-similarity", "key")
        .values_list("key", flat=True)[:FAMILY_KEYS_LIMIT]
    )


def children_matching(
    *, criteria: SearchCriteria, among: QuerySet[Child], family_keys: list[str] | None = None
) -> QuerySet[Child]:
    """Active children in ``among`` whose names (and the other criteria) match, best first.

    Family name: a current or former key among ``family_keys`` (typos and sound-alikes,
    from ``family_keys_matching``). Given name: similar, a prefix, the same sound, or a
    variant from the nickname table (Bill finds William). Date of birth: as typed or with
    day and month swapped. Exact matches rank above the variants.
    """
    if family_keys is None:
        family_keys = family_keys_matching(criteria.family_name)
    typed_family = NameKey(Value(criteria.family_name))
    queryset = among.filter(
        Q(family_key__in=family_keys) | _former_surname_q(family_keys),
        status=Child.Status.ACTIVE,
    )
    score = Greatest(
        Similarity(F("family_key"), typed_family),
        _when(_former_surname_q(family_keys), FORMER_NAME_SCORE),
    )
    if criteria.date_of_birth:
        readings = date_of_birth_readings(criteria.date_of_birth)
        queryset = queryset.filter(date_of_birth__in=readings)
        score = score + _when(Q(date_of_birth=criteria.date_of_birth), EXACT_DATE_SCORE)
    if criteria.given_name:
        given_key = NameKey(Value(criteria.given_name))
        variants = given_name_variants(criteria.given_name)
        queryset = queryset.alias(given_phonetic=DoubleMetaphone(F("given_key"))).filter(
            Q(given_key__trigram_similar=given_key)
            | Q(given_key__startswith=given_key)
            | Q(given_phonetic=DoubleMetaphone(given_key))
            | Q(given_key__in=variants)
        )
        score = score + Greatest(
            Similarity(F("given_key"), given_key),
            _when(Q(given_key__in=variants), NICKNAME_SCORE),
        )
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


def _former_surname_q(family_keys: list[str]) -> Q:
    """A former surname among ``family_keys``. The "has one" half repeats the predicate of
    the partial index child_former_family, so that the planner can use it."""
    return Q(former_family_keys__overlap=family_keys) & ~Q(former_family_keys=[])


def _when(condition: Q, points: float) -> Case:
    return Case(When(condition, then=Value(points)), default=Value(0.0), output_field=FloatField())


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
