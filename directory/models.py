"""The directory: who a child is, where they live, who cares for them and who works with them.

Contact details only; no case notes. Child data is read through ``directory.gateway`` alone
(a test fails if any other module queries these models).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Left, Length, Substr

from .public_ids import new_public_id
from .sealing import blind_index, keyring
from .sealing.blobs import blob_open, blob_seal
from .sealing.fields import SealedModel, SealedQuerySet, ids_reserve, sealed, sealed_json


class NameKey(Func):
    """``cp_name_key(text)``: lower case, accents removed, letters only (an immutable SQL
    function created in migration 0001, so it can back generated columns and indexes)."""

    function = "cp_name_key"
    output_field = models.TextField()


class DoubleMetaphone(Func):
    """fuzzystrmatch's ``dmetaphone``: a phonetic key, so Smyth finds Smith."""

    function = "dmetaphone"
    output_field = models.TextField()


class FormerFamilyKeys(Func):
    """``cp_former_family_keys(text[])``: the name key of the last word of each former name
    (an immutable SQL function created in migration 0004), so a child is found by a surname
    they no longer use."""

    function = "cp_former_family_keys"
    # Most children have no former name: skipping the SQL function for them keeps a bulk
    # load of millions of rows from paying a function call per row for nothing.
    template = (
        "CASE WHEN cardinality(%(expressions)s) = 0 THEN '{}'::text[] "
        "ELSE %(function)s(%(expressions)s) END"
    )
    output_field = ArrayField(models.TextField())


class LocalAuthority(models.Model):
    """One of England's local authorities, identified by its ONS code (e.g. E09000033)."""

    code = models.CharField(primary_key=True, max_length=9)
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "local authorities"

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A school, GP practice, health or council service whose staff use ContactPoint."""

    class Kind(models.TextChoices):
        SCHOOL = "school", "School"
        GP_PRACTICE = "gp_practice", "GP practice"
        HEALTH_SERVICE = "health_service", "Health service"
        LA_CHILDRENS_SERVICES = "la_childrens_services", "Local-authority children's services"
        POLICE = "police", "Police"
        YOUTH_OFFENDING = "youth_offending", "Youth offending team"
        VOLUNTARY = "voluntary", "Voluntary organisation"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # The organisation's own code, by which feeds name it (CONTRACT: organisation_code).
    code = models.CharField(
        max_length=20, unique=True, help_text="URN for schools, ODS code for health, LA code."
    )
    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT)
    accredited = models.BooleanField(
        default=False, help_text="Only staff of accredited organisations may search."
    )
    sensitive_service = models.BooleanField(
        default=False,
        help_text="Sexual health, mental health, substance misuse…: involvements are cloaked.",
    )
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["name"]
        permissions = [("manage_users", "Can manage this organisation's users")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_local_authority(self) -> bool:
        return self.kind == self.Kind.LA_CHILDRENS_SERVICES


class Child(SealedModel):
    """A child in England. ``public_id`` is the only identifier that leaves the server.

    Rule (protection at rest): where the child lives is sealed (``directory/sealing``): the
    address lines, town and postcode are properties over sealed columns, bound to the
    child's ``public_id``; the postcode is found through its blind index alone.
    """

    SEALED = ("address_line_1", "address_line_2", "town", "postcode")
    DERIVED = ("postcode_index", "outward_index")
    BINDING = ("public_id",)
    SEAL_BY_PK = False

    class Gender(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        NOT_KNOWN = "not_known", "Not known"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"
        # Found to be the same child as another record and merged into it (ChildMerge).
        MERGED = "merged", "Merged into another record"

    # Unique through Meta.constraints, not unique=True, which would add a second, LIKE-pattern
    # index nobody queries (569 MB at 12 million children).
    public_id = models.CharField(max_length=32, default=new_public_id, editable=False)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    # db_default: bulk writers (the demo seeder's COPY, the benchmark worlds) name their
    # columns and leave these out.
    other_names = models.CharField(
        max_length=200, blank=True, default="", db_default="", help_text="Middle names."
    )
    former_names = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="Former names and aliases, full names as written.",
    )
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=16, choices=Gender.choices)
    address_line_1 = sealed("address_line_1")
    address_line_2 = sealed("address_line_2")
    town = sealed("town")
    # Normalised: 'SW1A 1AA'.
    postcode = sealed("postcode")
    address_line_1_sealed = models.BinaryField(null=True, blank=True, editable=False)
    address_line_2_sealed = models.BinaryField(null=True, blank=True, editable=False)
    town_sealed = models.BinaryField(null=True, blank=True, editable=False)
    postcode_sealed = models.BinaryField(null=True, blank=True, editable=False)
    # Blind indexes (directory/sealing/blind_index.py): the full postcode and its outward
    # part, for search; HMACs under the index key, never the postcode.
    postcode_index = models.BigIntegerField(null=True, blank=True, editable=False)
    outward_index = models.BigIntegerField(null=True, blank=True, editable=False)
    # No index of its own: child_la_family starts with it (the foreign key's own and its LIKE
    # twin cost 162 MB at 12 million children and served no query).
    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, db_index=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    shielded = models.BooleanField(
        default=False, help_text="At risk if located: only name, gender, date of birth and ID show."
    )
    # Retention (directory/retention.py): archived at 18, or at 25 where consent to keep the
    # record longer is recorded; destroyed six years after archiving unless a legal hold
    # stops the clock. db_default: bulk writers name their columns and leave these out.
    retention_consent = models.BooleanField(
        default=False, db_default=False, help_text="Consent recorded to keep the record to 25."
    )
    archived_on = models.DateField(null=True, blank=True)
    legal_hold = models.BooleanField(default=False, db_default=False)
    legal_hold_reason = models.TextField(blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Where each detail came from: field name -> id of the FeedBatch that last set it. A
    # field absent here was entered by hand (or by the demo seeder).
    provenance = models.JSONField(default=dict, db_default={}, blank=True)

    family_key = models.GeneratedField(
        expression=NameKey(F("family_name")), output_field=models.TextField(), db_persist=True
    )
    given_key = models.GeneratedField(
        expression=NameKey(F("given_name")), output_field=models.TextField(), db_persist=True
    )
    family_phonetic = models.GeneratedField(
        expression=DoubleMetaphone(NameKey(F("family_name"))),
        output_field=models.TextField(),
        db_persist=True,
    )
    former_family_keys = models.GeneratedField(
        expression=FormerFamilyKeys(F("former_names")),
        output_field=ArrayField(models.TextField()),
        db_persist=True,
    )

    class Meta:
        verbose_name_plural = "children"
        constraints = [
            models.UniqueConstraint(name="directory_child_public_id_key", fields=["public_id"])
        ]
        # Fuzzy matching runs against FamilyNameKey (thousands of rows), not here (millions):
        # these btrees turn the matched keys into children by date of birth, by local
        # authority (a children's-services search), by key alone, or by a former surname.
        indexes = [
            # Date of birth, family key, given key and id: the matcher's date blocks (with a
            # family name like the one typed; or with a close given name, whatever the
            # family name) read it without touching the table.
            models.Index(
                name="child_dob_names", fields=["date_of_birth", "family_key", "given_key", "id"]
            ),
            models.Index(name="child_la_family", fields=["local_authority", "family_key"]),
            # Family key, given key and id: the matcher's "same family name, close given
            # name" block and the scope narrowing read it without touching the table.
            models.Index(name="child_family_given", fields=["family_key", "given_key", "id"]),
            # Both GIN indexes without a pending list (``fastupdate``): with one, the rows a
            # large feed adds wait in an unsorted list that every search reads whole until
            # a vacuum merges it — after a 500,000-row census at 12 million children a
            # search with a date of birth took 30-45 ms instead of 6-8 (session 12,
            # docs/performance.md). Each insert now goes into the index at once.
            GinIndex(
                name="child_former_family",
                fields=["former_family_keys"],
                condition=~Q(former_family_keys=[]),
                fastupdate=False,
            ),
            # Children with a former surname by (date of birth, former surname) pairs
            # (cp_dated_keys, migration 0019): the former-name block of a search with a
            # date of birth reads the pairs it wants, not every child once called Smith.
            GinIndex(
                Func(
                    F("date_of_birth"),
                    F("former_family_keys"),
                    function="cp_dated_keys",
                    output_field=ArrayField(models.TextField()),
                ),
                name="child_former_dated",
                condition=~Q(former_family_keys=[]),
                fastupdate=False,
            ),
            models.Index(name="child_postcode", fields=["postcode_index"]),
            models.Index(name="child_outward", fields=["outward_index"]),
            # Shielded children by date of birth: a feed's record checked against them
            # before it may become a new child (directory/feeds/linking.py), at any size.
            models.Index(
                name="child_shielded_dob", fields=["date_of_birth"], condition=Q(shielded=True)
            ),
        ]

    objects = SealedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Child {self.public_id}"

    def seal_row(self) -> str:
        return self.public_id

    def sealed_derive(self, texts: dict[str, str]) -> None:
        self.postcode_index, self.outward_index = postcode_indexes(texts["postcode"])


class FamilyNameKey(models.Model):
    """Every family-name key (current or former) that any child has: the dictionary that
    typo and sound-alike matching searches.

    Why a table: trigram or phonetic matching over 12 million children's rows costs tens to
    hundreds of milliseconds for a common name; over the few hundred thousand distinct
    surnames it costs about one, and the matched keys then reach children through btrees.
    Statement-level triggers (migration 0004) add the keys of inserted or updated children,
    bulk loads included. A key with no child matches nothing, and the table holds surnames
    only, never who has them; keys are removed only when retention destroys the last
    record carrying one (``directory/retention.py``), so a rare surname does not outlive it.
    """

    key = models.TextField(primary_key=True)
    phonetic = models.GeneratedField(
        expression=DoubleMetaphone(F("key")), output_field=models.TextField(), db_persist=True
    )
    # How many active children carry the key (current or former), refreshed in bulk by
    # cp_family_key_frequencies_refresh() (migration 0011): the matcher's term-frequency
    # adjustment, so that "Smith" agreeing counts for less than "Featherstonehaugh". A key
    # added since the last refresh reads 0 and is taken as rare.
    children = models.IntegerField(db_default=0)

    class Meta:
        indexes = [
            GinIndex(name="familynamekey_trgm", fields=["key"], opclasses=["gin_trgm_ops"]),
            models.Index(name="familynamekey_phonetic", fields=["phonetic"]),
            # Keys by first letter and length, key included: the candidates for an
            # edit-distance match, read and measured from the index alone.
            models.Index(Left("key", 1), Length("key"), F("key"), name="familynamekey_shape"),
            # Keys without their first letter: a slip in the first letter (Nerry for Berry)
            # shares no leading trigram and no sound with the name meant.
            models.Index(Substr("key", 2), name="familynamekey_tail"),
        ]

    def __str__(self) -> str:
        return self.key


class DataKey(models.Model):
    """A data key, stored only wrapped by a key-encryption key held outside the database.

    Rule (protection at rest): ``field`` keys seal addresses and contacts, the one ``index``
    key computes the postcode blind index, ``audit`` keys seal postcodes typed into searches
    in the audit log's criteria; ``directory/sealing/keyring.py`` unwraps them
    through the key provider. A retired key still opens what it sealed until ``rotate_keys``
    has sealed those rows again.
    """

    purpose = models.CharField(
        max_length=8, choices=[("field", "Field"), ("index", "Index"), ("audit", "Audit")]
    )
    kek_id = models.CharField(max_length=64, help_text="The key-encryption key that wraps it.")
    wrapped = models.BinaryField()
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Data key {self.pk} ({self.purpose})"


def postcode_indexes(postcode: str) -> tuple[int | None, int | None]:
    """The blind index values (full, outward) of ``postcode`` under the index key."""
    if not postcode:
        return None, None
    key = keyring.current_key(keyring.INDEX).material
    return blind_index.postcode_index(key, postcode), blind_index.outward_index(key, postcode)


class MatchWeights(models.Model):
    """The matcher's u probabilities as last estimated from the directory's own children.

    Rule (identity): how much an agreement counts depends on how often it happens by chance
    between two different children; ``estimate_match_weights`` measures that on random pairs
    of this directory's records (no names or ids are kept, only per-level rates). The newest
    row is used; with none, the defaults in ``access/gateway/match_model.py`` apply.
    """

    estimated_at = models.DateTimeField(auto_now_add=True)
    pairs = models.PositiveIntegerField(help_text="Random pairs of children compared.")
    u = models.JSONField(help_text="Per field, the share of random pairs at each level.")

    class Meta:
        ordering = ["-estimated_at"]
        verbose_name_plural = "match weights"

    def __str__(self) -> str:
        return f"Match weights of {self.estimated_at:%Y-%m-%d %H:%M}"


class Carer(SealedModel):
    """A parent or carer, with how to reach them.

    Rule (protection at rest): telephone, e-mail and address are sealed, bound to the
    carer's own row, so a merge that moves the carer to another child moves them intact.
    """

    SEALED = ("phone", "email", "address")
    DERIVED = ()
    BINDING = ()

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="carers")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    relationship = models.CharField(max_length=60, help_text="Mother, father, foster carer…")
    parental_responsibility = models.BooleanField(default=False)
    phone = sealed("phone")
    email = sealed("email")
    # Blank: lives with the child.
    address = sealed("address")
    phone_sealed = models.BinaryField(null=True, blank=True, editable=False)
    email_sealed = models.BinaryField(null=True, blank=True, editable=False)
    address_sealed = models.BinaryField(null=True, blank=True, editable=False)
    feed_batch = models.ForeignKey(
        "FeedBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The feed that last set these details; blank: entered by hand.",
    )  # fmt: skip

    objects = SealedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Carer {self.pk}"


class Practitioner(models.Model):
    """Someone who works with children and can be contacted; may or may not be a user."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="practitioners"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practitioner",
    )
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=100)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.job_title})"


# Rule (involvements): the roles each kind of organisation may hold with a child; the first
# is its usual one (a feed's empty service_role, the record page's first choice).
ORGANISATION_ROLES = {
    Organisation.Kind.SCHOOL: ("school", "school_nurse"),
    Organisation.Kind.GP_PRACTICE: ("gp",),
    Organisation.Kind.HEALTH_SERVICE: (
        "health_visitor", "school_nurse", "mental_health", "sexual_health", "other",
    ),
    Organisation.Kind.LA_CHILDRENS_SERVICES: ("social_worker", "lead_professional", "other"),
    Organisation.Kind.YOUTH_OFFENDING: ("youth_offending",),
    Organisation.Kind.POLICE: ("other",),
    Organisation.Kind.VOLUNTARY: ("other",),
}  # fmt: skip


class Involvement(models.Model):
    """An organisation (and optionally a named practitioner) working with a child.

    An active involvement is what puts a child in an organisation's scope; a cloaked one is
    hidden from every enquirer outside that organisation.
    """

    class Role(models.TextChoices):
        SCHOOL = "school", "School"
        GP = "gp", "GP"
        HEALTH_VISITOR = "health_visitor", "Health visitor"
        SCHOOL_NURSE = "school_nurse", "School nurse"
        SOCIAL_WORKER = "social_worker", "Social worker"
        LEAD_PROFESSIONAL = "lead_professional", "Lead professional"
        YOUTH_OFFENDING = "youth_offending", "Youth offending officer"
        SEXUAL_HEALTH = "sexual_health", "Sexual health service"
        MENTAL_HEALTH = "mental_health", "Mental health service"
        OTHER = "other", "Other"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="involvements")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="involvements"
    )
    practitioner = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.SET_NULL, related_name="involvements"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    feed_batch = models.ForeignKey(
        "FeedBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The feed that last set this involvement; blank: entered by hand.",
    )  # fmt: skip
    cloaked = models.BooleanField(
        null=True,
        blank=True,
        help_text="Hidden from enquirers outside this organisation. Blank: the organisation's "
        "sensitive-service flag decides.",
    )

    class Meta:
        # involvement_org_active answers "which children does this organisation work with
        # today" from the index alone (ended_on IS NULL, or ended_on in the future, each a
        # range of it), which is where a practitioner's search starts.
        indexes = [
            models.Index(
                name="involvement_org_active",
                fields=["organisation", "ended_on", "started_on", "child"],
            ),
        ]

    def __str__(self) -> str:
        return f"Involvement {self.pk}"

    def save(self, *args, **kwargs) -> None:
        if self.cloaked is None:
            self.cloaked = self.organisation.sensitive_service
        super().save(*args, **kwargs)


class FeedSource(models.TextChoices):
    """The kinds of feed the directory takes, each with its own schema (``directory/feeds``)."""

    SCHOOL_CENSUS = "school_census", "School census"
    GP_REGISTRATIONS = "gp_registrations", "GP registrations"
    LA_SOCIAL_CARE = "la_social_care", "Local-authority social care"


class FeedBatch(models.Model):
    """One file of one feed, imported whole or not at all.

    Rule (feeds): re-importing the same file changes nothing, so a batch is known by its
    source and the SHA-256 of its bytes; an applied batch is never applied twice.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"

    source = models.CharField(max_length=32, choices=FeedSource.choices)
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="Blank: the command line.",
    )  # fmt: skip
    imported_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, help_text="Rows created, linked, updated, held…")
    errors = models.JSONField(
        default=list, blank=True, help_text="Rejected: [row, field, what was wrong] per error."
    )

    class Meta:
        ordering = ["-imported_at"]
        verbose_name_plural = "feed batches"
        constraints = [
            models.UniqueConstraint(
                name="feedbatch_applied_once",
                fields=["source", "sha256"],
                condition=Q(status="applied"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} batch {self.pk}"


class FeedLink(models.Model):
    """Which child a source's record is: the link every later row of that record follows.

    Rule (feeds): once a record is linked (by the matcher, a data manager's decision or a
    merge), the next file's row for it updates that child and is never matched again, so a
    protected child's updates cannot drift into a duplicate.
    """

    class Method(models.TextChoices):
        MATCHED = "matched", "Matched automatically"
        CREATED = "created", "New child"
        REVIEWED = "reviewed", "Decided by a data manager"

    source = models.CharField(max_length=32, choices=FeedSource.choices)
    source_record_id = models.CharField(max_length=64)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="feed_links")
    method = models.CharField(max_length=16, choices=Method.choices)
    batch = models.ForeignKey(FeedBatch, on_delete=models.PROTECT, related_name="+")
    row_hash = models.CharField(max_length=64, help_text="SHA-256 of the row last applied.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                name="feedlink_source_record", fields=["source", "source_record_id"]
            )
        ]
        indexes = [models.Index(name="feedlink_child", fields=["child"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_record_id}"


class FeedReview(SealedModel):
    """An incoming record the matcher could not place alone, held for the data managers of
    the local authority concerned (the shielding authority, when it could be a shielded
    child). Nothing of the row is applied until someone decides.

    Rule (protection at rest): the held row carries the child's address and the carer's
    contacts as the feed sent them, so ``record`` is sealed whole, bound to the review's row.
    """

    SEALED = ("record",)

    class Reason(models.TextChoices):
        UNCERTAIN = "uncertain", "Could be a child we hold"
        SHIELDED = "shielded", "Could be a shielded child"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting"
        NOT_SURE = "not_sure", "Not sure: second opinion"
        LINKED = "linked", "Linked to a child"
        CREATED = "created", "New child"

    batch = models.ForeignKey(FeedBatch, on_delete=models.PROTECT, related_name="reviews")
    row_number = models.PositiveIntegerField()
    source_record_id = models.CharField(max_length=64)
    # The row as validated.
    record = sealed_json("record")
    record_sealed = models.BinaryField(null=True, blank=True, editable=False)
    row_hash = models.CharField(max_length=64)
    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    candidates = models.JSONField(help_text="[{child_id, score, agreed, differs}], best first.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    child = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(name="feedreview_queue", fields=["local_authority", "status"])]

    objects = SealedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Feed review {self.pk}"


class FeedUpload(models.Model):
    """A feed file a data manager uploaded on the feeds page, waiting for or running in the
    worker, and then what became of it.

    Rule (personal data): the file's bytes hold children's details, so they are kept only
    until the import has finished, whatever its outcome (a check constraint refuses a
    finished upload that still holds them); what stays is the outcome and its batch, whose
    error report a rejected file keeps.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        APPLIED = "applied", "Imported"
        ALREADY = "already", "Imported before"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    source = models.CharField(max_length=32, choices=FeedSource.choices)
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(help_text="Bytes, as uploaded.")
    data = models.BinaryField(
        null=True,
        blank=True,
        editable=False,
        help_text="The file, sealed (directory/sealing/blobs.py); emptied once imported.",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0, help_text="Records applied so far.")
    total = models.PositiveIntegerField(
        default=0, help_text="Records in the file (0: not known yet)."
    )
    batch = models.ForeignKey(
        FeedBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Applied or rejected: this file's batch; imported before: the earlier one.",
    )  # fmt: skip
    failure = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="feedupload_bytes_gone_when_finished",
                condition=Q(data__isnull=True) | Q(status__in=["queued", "running"]),
            )
        ]

    def __str__(self) -> str:
        return f"Feed upload {self.pk} ({self.filename})"

    def file_seal(self, data: bytes) -> None:
        """Keep ``data`` sealed, bound to this upload (its id drawn first if it is new; save
        with ``force_insert``). Rule (protection at rest): the file holds children's
        addresses and carers' contacts while it waits for the worker."""
        if self.pk is None:
            self.pk = ids_reserve(type(self), 1)[0]
        self.data = blob_seal(data, table=self._meta.db_table, field="data", row=self.pk)

    def file_open(self) -> bytes:
        return blob_open(bytes(self.data), table=self._meta.db_table, field="data", row=self.pk)

    @property
    def finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)


class ChildMerge(models.Model):
    """Two records found to be one child: ``merged`` retired into ``kept``, reversibly.

    Rule (identity): a merge moves the retired record's involvements, carers and feed links
    to the kept one and remembers exactly which, so that an unmerge puts back what was moved
    and nothing else. ``moved`` holds their ids, the former names the merge added, and
    whether the kept record's shield came from the merge.
    """

    kept = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField()
    moved = models.JSONField(default=dict)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-merged_at"]
        constraints = [
            # A record is merged into one other at a time.
            models.UniqueConstraint(
                name="childmerge_merged_once", fields=["merged"], condition=Q(undone_at=None)
            )
        ]

    def __str__(self) -> str:
        return f"Merge {self.pk}"


class Correction(models.Model):
    """Someone who can see a record says a detail is wrong; the data managers of the child's
    authority decide. Rule (upkeep): who asked and who decided are both kept, and audited."""

    class Detail(models.TextChoices):
        ADDRESS = "address", "The child's address"
        CARER = "carer", "A parent or carer's contact details"
        SERVICE = "service", "A service or practitioner working with the child"
        IDENTITY = "identity", "Name, date of birth or sex"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Waiting"
        CORRECTED = "corrected", "Corrected"
        UNCHANGED = "unchanged", "Not changed"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="corrections")
    local_authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT)
    detail = models.CharField(max_length=16, choices=Detail.choices)
    note = models.TextField(help_text="What is wrong, and what is right if known.")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["reported_at", "id"]
        indexes = [models.Index(name="correction_queue", fields=["local_authority", "status"])]

    def __str__(self) -> str:
        return f"Correction {self.pk}"
