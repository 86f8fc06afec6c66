"""Feeds: a file is checked whole, linked to the children held, and applied once (issue 12)."""

import csv
import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from audit.models import AccessEvent
from directory.feeds.schema import COLUMNS
from directory.models import (
    Carer,
    Child,
    FeedBatch,
    FeedLink,
    FeedReview,
    Involvement,
    Organisation,
)

from ..factories import ChildFactory, OrganisationFactory

pytestmark = pytest.mark.usefixtures("clock")


def feed_bytes(*rows: dict, header=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in header})
    return out.getvalue().encode()


def row(world, **values) -> dict:
    base = {
        "source_record_id": "UPN-1",
        "family_name": "Okafor",
        "given_name": "Chidi",
        "date_of_birth": "2016-05-04",
        "sex": "M",
        "address_line_1": "4 Mill Lane",
        "town": "Leeds",
        "postcode": "ls6 2ab",
        "carer_1_name": "Ngozi Okafor",
        "carer_1_relationship": "Mother",
        "carer_1_phone": "07700 900123",
        "organisation_code": world.school_a.code,
        "practitioner_name": "Ms Rowe",
        "practitioner_email": "rowe@hillside.example.org",
        "started_on": "2021-09-01",
    }
    return {**base, **values}


def run(tmp_path, data: bytes, source="school_census", name="census.csv", **options):
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    call_command(
        "import_feed", str(path), source=source, stdout=out, stderr=io.StringIO(), **options
    )
    return out.getvalue()


@pytest.fixture
def directory_state():
    def state():
        return (
            list(Child.objects.order_by("pk").values()),
            list(Involvement.objects.order_by("pk").values()),
            list(Carer.objects.order_by("pk").values()),
            FeedBatch.objects.count(),
        )

    return state


def test_it_adds_a_new_child_with_carer_school_and_teacher(world, tmp_path):
    run(tmp_path, feed_bytes(row(world)))

    child = Child.objects.get(family_name="Okafor")
    assert (child.given_name, child.date_of_birth, child.gender) == (
        "Chidi",
        date(2016, 5, 4),
        "male",
    )
    assert child.postcode == "LS6 2AB"
    assert child.local_authority == world.leeds
    carer = child.carers.get()
    assert (carer.given_name, carer.family_name, carer.phone) == ("Ngozi", "Okafor", "07700 900123")
    involvement = child.involvements.get()
    assert involvement.organisation == world.school_a
    assert involvement.practitioner.name == "Ms Rowe"
    link = FeedLink.objects.get(source="school_census", source_record_id="UPN-1")
    assert (link.child, link.method) == (child, FeedLink.Method.CREATED)


def test_it_records_which_batch_set_each_detail(world, tmp_path):
    run(tmp_path, feed_bytes(row(world)))

    child = Child.objects.get(family_name="Okafor")
    batch = FeedBatch.objects.get()
    assert child.provenance["postcode"] == batch.pk
    assert child.provenance["given_name"] == batch.pk
    assert child.involvements.get().feed_batch == batch
    assert child.carers.get().feed_batch == batch


def test_it_audits_who_imported_what(world, tmp_path):
    run(tmp_path, feed_bytes(row(world)))

    event = AccessEvent.objects.get(action=AccessEvent.Action.FEED_IMPORTED)
    assert event.actor_username == "import_feed"
    assert event.criteria["source"] == "school_census"
    assert event.criteria["created"] == 1


def test_reimporting_the_same_file_changes_nothing(world, tmp_path, directory_state):
    data = feed_bytes(row(world), row(world, source_record_id="UPN-2", given_name="Ada"))
    run(tmp_path, data)
    before = directory_state()

    output = run(tmp_path, data)

    assert "nothing changed" in output
    assert directory_state() == before


def test_a_new_file_repeating_a_record_unchanged_changes_nothing(world, tmp_path, directory_state):
    run(tmp_path, feed_bytes(row(world)))
    before = directory_state()[:3]

    output = run(
        tmp_path,
        feed_bytes(row(world), row(world, source_record_id="UPN-9", given_name="Zara", sex="F")),
    )

    assert "unchanged 1" in output
    assert directory_state()[:3] != before  # Zara was added …
    assert Child.objects.get(given_name="Chidi").updated_at == before[0][-1]["updated_at"]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"date_of_birth": "04/05/2016"}, "date_of_birth", "YYYY-MM-DD"),
        ({"date_of_birth": "2030-01-01"}, "date_of_birth", "future"),
        ({"date_of_birth": "1990-01-01"}, "date_of_birth", "not a child"),
        ({"organisation_code": "NOPE"}, "organisation_code", "No organisation"),
        ({"postcode": "LEEDS"}, "postcode", "postcode"),
        ({"sex": "boy"}, "sex", "female, male or other"),
        ({"family_name": ""}, "family_name", "Required"),
        ({"carer_1_email": "mum at example"}, "carer_1_email", "e-mail"),
        ({"service_role": "gp"}, "service_role", "school, school_nurse"),
        ({"started_on": "2022-01-01", "ended_on": "2021-01-01"}, "ended_on", "before it starts"),
    ],
)
def test_one_bad_row_changes_nothing_and_says_where(
    world, tmp_path, directory_state, change, field, words
):
    before = directory_state()
    data = feed_bytes(row(world, source_record_id="UPN-0", given_name="Good"), row(world, **change))
    report = tmp_path / "errors.csv"

    with pytest.raises(CommandError) as raised:
        run(tmp_path, data, errors=report)

    assert raised.value.returncode == 1
    assert directory_state() == before
    lines = list(csv.reader(report.read_text().splitlines()))
    assert lines[0] == ["row", "field", "problem"]
    assert [line[:2] for line in lines[1:]] == [["3", field]]
    assert words.lower() in lines[1][2].lower()


def test_a_header_without_the_contract_columns_is_refused(world, tmp_path, directory_state):
    before = directory_state()
    header = [c for c in COLUMNS if c != "postcode"] + ["nhs_number"]

    with pytest.raises(CommandError):
        run(tmp_path, feed_bytes(row(world), header=header))

    assert directory_state() == before


def test_an_organisation_that_does_not_send_this_feed_is_refused(world, tmp_path):
    with pytest.raises(CommandError):
        run(tmp_path, feed_bytes(row(world, organisation_code=world.council.code)))

    assert not Child.objects.filter(family_name="Okafor").exists()


def test_rows_of_one_record_must_agree_on_who_the_child_is(world, tmp_path):
    data = feed_bytes(row(world), row(world, given_name="Chima", service_role="school_nurse"))

    with pytest.raises(CommandError):
        run(tmp_path, data)


def test_several_rows_of_one_record_give_one_child_with_each_involvement(world, tmp_path):
    run(
        tmp_path,
        feed_bytes(
            row(world), row(world, service_role="school_nurse", practitioner_name="Nurse Ali")
        ),
    )

    child = Child.objects.get(family_name="Okafor")
    assert sorted(child.involvements.values_list("role", flat=True)) == ["school", "school_nurse"]


def test_a_mistyped_record_of_a_child_held_is_linked_not_duplicated(world, tmp_path):
    held = world.maya  # Maya Thompson, 2015-03-27, Leeds
    typo = row(
        world,
        family_name="Thomspon",
        given_name="Maya",
        date_of_birth="2015-03-27",
        sex="F",
        postcode="LS1 4AP",
        address_line_1="2 New Road",
    )

    run(tmp_path, feed_bytes(typo))

    assert Child.objects.filter(given_name="Maya").count() == 1
    held.refresh_from_db()
    assert held.address_line_1 == "2 New Road"
    assert FeedLink.objects.get().method == FeedLink.Method.MATCHED


def test_a_changed_family_name_is_kept_as_a_former_name(world, tmp_path):
    run(tmp_path, feed_bytes(row(world)))
    run(tmp_path, feed_bytes(row(world, family_name="Okafor-Bell")), name="next.csv")

    child = Child.objects.get(family_name="Okafor-Bell")
    assert child.former_names == ["Okafor"]


def test_a_twin_we_do_not_hold_becomes_a_new_child(world, tmp_path):
    twin = row(
        world,
        source_record_id="UPN-T",
        family_name="Thompson",
        given_name="Ethan",
        date_of_birth="2015-03-27",
        sex="M",
        postcode="LS1 4AP",
    )

    run(tmp_path, feed_bytes(twin))

    assert Child.objects.filter(family_name="Thompson", given_name="Ethan").exists()
    world.maya.refresh_from_db()
    assert world.maya.given_name == "Maya"


# Maya's names and postcode, another address, her date of birth two digits out: her, or a
# sister of the same name? Nobody can tell from the data.
UNSURE = {
    "family_name": "Thompson",
    "given_name": "Maya",
    "date_of_birth": "2016-08-27",
    "sex": "F",
    "postcode": "LS1 4AP",
    "address_line_1": "9 Park Row",
}


def test_a_same_sex_twin_we_do_not_hold_becomes_a_new_child(world, tmp_path):
    twin = row(
        world,
        source_record_id="UPN-G",
        family_name="Thompson",
        given_name="Grace",
        date_of_birth="2015-03-27",
        sex="F",
        postcode="LS1 4AP",
    )

    run(tmp_path, feed_bytes(twin))

    assert Child.objects.filter(family_name="Thompson", given_name="Grace").exists()


def test_a_matched_record_does_not_overwrite_the_name_it_mistyped(world, tmp_path):
    typo = row(
        world,
        family_name="Thomspon",
        given_name="Maya",
        date_of_birth="2015-03-27",
        sex="F",
        postcode="LS1 4AP",
    )

    run(tmp_path, feed_bytes(typo))

    world.maya.refresh_from_db()
    assert (world.maya.family_name, world.maya.former_names) == ("Thompson", [])


def test_a_record_giving_the_held_name_as_former_renames_the_child(world, tmp_path):
    renamed = row(
        world,
        family_name="Okoro",
        former_family_name="Thompson",
        given_name="Maya",
        date_of_birth="2015-03-27",
        sex="F",
        postcode="LS1 4AP",
    )

    run(tmp_path, feed_bytes(renamed))

    world.maya.refresh_from_db()
    assert (world.maya.family_name, world.maya.former_names) == ("Okoro", ["Thompson"])
    assert FeedLink.objects.get().child == world.maya


def test_a_child_renamed_at_the_same_home_is_linked_and_found_by_both_names(world, tmp_path):
    renamed = row(
        world,
        family_name="Okoro",
        given_name="Maya",
        date_of_birth="2015-03-27",
        sex="F",
        postcode="LS1 4AP",
        address_line_1="1 High Street",
    )

    output = run(tmp_path, feed_bytes(renamed))

    assert "linked 1" in output
    world.maya.refresh_from_db()
    assert (world.maya.family_name, world.maya.former_names) == ("Thompson", ["Okoro"])


def test_one_part_of_a_double_given_name_at_the_same_home_is_the_same_child(world, tmp_path):
    world.maya.given_name = "Maya-Rose"
    world.maya.save()
    short = row(
        world,
        family_name="Thompson",
        given_name="Rose",
        date_of_birth="2015-03-27",
        sex="F",
        postcode="LS1 4AP",
        address_line_1="1 High Street",
    )

    output = run(tmp_path, feed_bytes(short))

    assert "linked 1" in output
    assert FeedLink.objects.get().child == world.maya


def test_a_shielded_child_renamed_and_moved_is_held_not_created(world, tmp_path):
    kent = OrganisationFactory(kind=Organisation.Kind.SCHOOL, local_authority=world.kent)
    shielded = ChildFactory(
        given_name="Josh",
        family_name="Mannland",
        date_of_birth=date(2021, 2, 28),
        gender="male",
        local_authority=world.kent,
        shielded=True,
    )
    hidden = row(
        world,
        source_record_id="K-9",
        family_name="Baxter",
        given_name="Josh",
        date_of_birth="2021-02-28",
        sex="M",
        postcode="LS6 2AB",
        organisation_code=kent.code,
    )

    run(tmp_path, feed_bytes(hidden))

    assert not Child.objects.filter(family_name="Baxter").exists()
    review = FeedReview.objects.get()
    assert review.reason == FeedReview.Reason.SHIELDED
    assert review.local_authority == world.kent
    assert [c["child"] for c in review.candidates] == [shielded.public_id]


def test_an_uncertain_record_is_held_for_the_authority_and_not_applied(world, tmp_path):
    unsure = row(world, **UNSURE)

    output = run(tmp_path, feed_bytes(unsure))

    assert "held 1" in output
    review = FeedReview.objects.get()
    assert review.local_authority == world.leeds
    assert review.candidates[0]["child"] == world.maya.public_id
    assert not Child.objects.filter(date_of_birth=date(2016, 8, 27)).exists()


def test_a_held_record_sent_again_updates_the_held_copy(world, tmp_path):
    unsure = row(world, **UNSURE)
    run(tmp_path, feed_bytes(unsure))
    run(tmp_path, feed_bytes({**unsure, "carer_1_phone": "07700 900999"}), name="next.csv")

    review = FeedReview.objects.get()
    assert review.record["rows"][0]["carer_1_phone"] == "07700 900999"


SHIELDED_VARIANTS = [
    {},
    {"given_name": "Amara"},
    {"given_name": "Amra"},
    {"family_name": "Adeyemi-Cole"},
    {"family_name": "Adeyemy"},
    {"date_of_birth": "2014-11-03"},
    {"date_of_birth": "2014-03-11"},
    {"date_of_birth": "2014-11-30"},
    {"date_of_birth": "2013-11-30"},
    {"postcode": "M1 1AA", "town": "Manchester"},
    {"sex": "M"},
    {"given_name": "Amari", "date_of_birth": "2014-11-30"},
]


@pytest.mark.parametrize("variant", SHIELDED_VARIANTS)
def test_a_record_that_could_be_a_shielded_child_never_becomes_a_visible_duplicate(
    world, tmp_path, variant
):
    kent = OrganisationFactory(kind=Organisation.Kind.SCHOOL, local_authority=world.kent)
    shielded = ChildFactory(
        given_name="Amaris",
        family_name="Adeyemi",
        date_of_birth=date(2014, 11, 3),
        gender="female",
        local_authority=world.kent,
        postcode="CT1 1AA",
        shielded=True,
    )
    incoming = {
        **row(
            world,
            source_record_id="K-1",
            family_name="Adeyemi",
            given_name="Amaris",
            date_of_birth="2014-11-03",
            sex="F",
            organisation_code=kent.code,
            postcode="LS6 2AB",
        ),
        **variant,
    }

    run(tmp_path, feed_bytes(incoming))

    created = Child.objects.exclude(pk__in=[shielded.pk, world.maya.pk, world.kent_child.pk])
    assert not created.exists()
    held = FeedReview.objects.filter(reason=FeedReview.Reason.SHIELDED)
    linked = FeedLink.objects.filter(child=shielded)
    assert held.exists() or linked.exists()
    assert all(r.local_authority == world.kent for r in held)
    shielded.refresh_from_db()
    assert shielded.shielded


def test_the_command_refuses_an_unknown_source(world, tmp_path):
    with pytest.raises(CommandError):
        run(tmp_path, feed_bytes(row(world)), source="hospital")


def test_the_command_tells_each_stage_with_its_time_when_verbose(world, tmp_path):
    path = tmp_path / "census.csv"
    path.write_bytes(feed_bytes(row(world), row(world, source_record_id="UPN-2", given_name="Ada")))
    err = io.StringIO()

    call_command("import_feed", str(path), source="school_census", verbosity=2,
                 stdout=io.StringIO(), stderr=err)  # fmt: skip

    stages = [line for line in err.getvalue().splitlines() if line.startswith("[")]
    assert [line.split("] ", 1)[1] for line in stages] == [
        "read and checked 2 rows (2 records)",
        "0 records follow an earlier link or a held review",
        "0 of 2 agree exactly with one child",
        "2 placed by the matcher: new 2",
        "records written: created 2, records 2",
        f"committed as batch {FeedBatch.objects.get().pk}",
    ]
    seconds = [float(line[1:].split(" s,")[0]) for line in stages]
    assert seconds == sorted(seconds)


def test_the_record_page_says_which_feed_each_detail_came_from(world, tmp_path, as_user):
    run(tmp_path, feed_bytes(row(world)))
    child = Child.objects.get(family_name="Okafor")

    page = as_user(world.alice).get(f"/children/{child.public_id}/?purpose=current_involvement")

    text = page.content.decode()
    assert page.status_code == 200
    assert text.count("From: School census, 13 January 2027") == 3  # address, carer, school
    assert "Name and date of birth from: School census, 13 January 2027" in text


@pytest.mark.parametrize(
    ("source", "kind", "role", "expected_role"),
    [
        ("gp_registrations", Organisation.Kind.GP_PRACTICE, "", "gp"),
        ("gp_registrations", Organisation.Kind.HEALTH_SERVICE, "health_visitor", "health_visitor"),
        ("la_social_care", Organisation.Kind.LA_CHILDRENS_SERVICES, "", "social_worker"),
        ("la_social_care", Organisation.Kind.YOUTH_OFFENDING, "youth_offending", "youth_offending"),
    ],
)
def test_each_source_brings_its_own_services(world, tmp_path, source, kind, role, expected_role):
    sender = OrganisationFactory(kind=kind, local_authority=world.leeds)
    record = row(world, organisation_code=sender.code, service_role=role)

    run(tmp_path, feed_bytes(record), source=source)

    involvement = Child.objects.get(family_name="Okafor").involvements.get()
    assert (involvement.organisation, involvement.role) == (sender, expected_role)


def test_a_school_may_not_send_gp_registrations(world, tmp_path):
    with pytest.raises(CommandError):
        run(tmp_path, feed_bytes(row(world)), source="gp_registrations")


def test_a_shielded_childs_record_mistyped_at_their_own_address_is_held_not_created(
    world, tmp_path
):
    kent = OrganisationFactory(kind=Organisation.Kind.SCHOOL, local_authority=world.kent)
    shielded = ChildFactory(
        given_name="Maryam", family_name="Hughes", date_of_birth=date(2016, 4, 9),
        gender="female", local_authority=world.kent, postcode="CT2 7NZ", shielded=True,
    )  # fmt: skip
    mistyped = row(world, source_record_id="K-7", family_name="Hughes", given_name="Maryam",
                   date_of_birth="2016-09-05", sex="F", postcode="CT2 7NZ",
                   organisation_code=kent.code)  # fmt: skip

    run(tmp_path, feed_bytes(mistyped))

    assert not Child.objects.filter(given_name="Maryam").exclude(pk=shielded.pk).exists()
    assert FeedReview.objects.get().reason == FeedReview.Reason.SHIELDED


def test_a_namesake_born_the_same_day_elsewhere_is_not_linked_on_a_forgiven_slip(world, tmp_path):
    # Thompsen (one letter) for Thompson, same given name and birthday, another home: at
    # national scale a stranger as often as a typo, so a person decides.
    stranger = row(world, source_record_id="S-1", family_name="Thompsen", given_name="Maya",
                   date_of_birth="2015-03-27", sex="F", postcode="M1 1AA",
                   address_line_1="9 Oak Road")  # fmt: skip

    output = run(tmp_path, feed_bytes(stranger))

    assert "linked" not in output
    world.maya.refresh_from_db()
    assert world.maya.address_line_1 == "1 High Street"
