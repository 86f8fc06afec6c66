"""seed_demo: a reproducible demo world, demo users who can really log in, and no loading on
top of existing data."""

import json
import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pyotp
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from access.gateway import SearchCriteria, child_search
from access.models import Notification, User, vetting_problems
from access.recertification.services import recertification_queue
from audit.writer import Actor
from directory.demo.world import world_build
from directory.models import Child, Involvement, LocalAuthority, Practitioner

# The demo users' vetting and the demo month of lookups follow the day the world is loaded.
pytestmark = pytest.mark.calendar

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHILDREN = 300
SEED = 7
CONTRACT_FIELDS = {"username", "password", "totp_secret", "role", "organisation"}


def _seed(path, *extra) -> str:
    out = StringIO()
    call_command(
        "seed_demo", "--children", str(CHILDREN), "--seed", str(SEED), "--credentials",
        str(path), *extra, stdout=out,
    )  # fmt: skip
    return out.getvalue()


@pytest.fixture
def credentials_path(tmp_path):
    return tmp_path / "demo-users.json"


@pytest.fixture
def seeded(db, credentials_path):
    _seed(credentials_path)
    return {entry["username"]: entry for entry in json.loads(credentials_path.read_text())}


def _world():
    return world_build(children=CHILDREN, seed=SEED, today=timezone.localdate())


def test_it_builds_the_same_world_from_the_same_seed():
    assert _world() == _world()


def test_it_builds_the_same_world_in_another_process():
    """String hashing differs between processes, so anything that iterates a set of names
    would break reproducibility here and nowhere else."""
    script = (
        "import django; django.setup()\n"
        "from datetime import date\n"
        "from directory.demo.world import world_build\n"
        f"print('WORLD:' + repr(world_build(children={CHILDREN}, seed={SEED}, "
        f"today=date.fromisoformat('{timezone.localdate()}'))))"
    )
    env = {
        **os.environ,
        "PYTHONHASHSEED": "4242",
        "DJANGO_SETTINGS_MODULE": "contactpoint.settings.test",
    }
    there = subprocess.run(  # noqa: S603 (this interpreter running a fixed script)
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    # Only the marked line counts: anything else a library prints at start-up is not the world.
    printed = [line for line in there.stdout.splitlines() if line.startswith("WORLD:")]
    assert printed == ["WORLD:" + repr(_world())]


def test_it_builds_a_different_world_from_another_seed():
    other = world_build(children=CHILDREN, seed=SEED + 1, today=timezone.localdate())
    assert {c.public_id for c in other.children}.isdisjoint(c.public_id for c in _world().children)


def test_it_gives_public_ids_in_the_usual_opaque_form():
    ids = [child.public_id for child in _world().children]
    assert len(set(ids)) == CHILDREN
    assert all(len(i) == 26 and i.isalnum() and i == i.lower() for i in ids)


def test_it_loads_exactly_the_world_the_seed_describes(seeded):
    expected = {(c.public_id, c.given_name, c.family_name) for c in _world().children}
    loaded = set(Child.objects.values_list("public_id", "given_name", "family_name"))
    assert loaded == expected


def test_it_loads_at_least_three_local_authorities(seeded):
    assert LocalAuthority.objects.count() >= 3


def test_it_cloaks_every_involvement_with_the_sensitive_service(seeded):
    sensitive = Involvement.objects.filter(organisation__sensitive_service=True)
    assert sensitive.filter(cloaked=True).exists()
    assert not sensitive.filter(cloaked=False).exists()
    assert not Involvement.objects.filter(organisation__sensitive_service=False, cloaked=True)


def test_it_writes_credentials_with_the_contract_fields(seeded):
    assert all(CONTRACT_FIELDS <= entry.keys() for entry in seeded.values())
    assert seeded["admin"]["organisation"] is None
    assert seeded["teacher.a"]["organisation"] == "Hillside Primary School"


def test_it_gives_every_practitioner_a_role_containing_practitioner(seeded):
    practitioners = Practitioner.objects.filter(user__isnull=False).values_list(
        "user__username", flat=True
    )
    assert len(practitioners) >= 10
    assert all("practitioner" in seeded[username]["role"] for username in practitioners)


def test_it_gives_every_user_a_second_factor_that_verifies(seeded):
    for username, entry in seeded.items():
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        assert device.verify_token(pyotp.TOTP(entry["totp_secret"]).now()), username


def test_it_gives_every_user_a_password_that_works_and_passes_the_validators(seeded):
    for username, entry in seeded.items():
        user = User.objects.get(username=username)
        assert user.check_password(entry["password"]), username
        validate_password(entry["password"], user)


def test_it_writes_credentials_readable_by_the_owner_only_replacing_an_old_file(
    db, credentials_path
):
    credentials_path.write_text("old")
    credentials_path.chmod(0o644)
    _seed(credentials_path)
    assert stat.S_IMODE(credentials_path.stat().st_mode) == 0o600
    assert len(json.loads(credentials_path.read_text())) == User.objects.count()


def test_it_vets_the_demo_practitioners_against_today_except_the_two_refused_ones(seeded):
    today = timezone.localdate()
    problems = {
        p.user.username: vetting_problems(p.user, today=today)
        for p in Practitioner.objects.filter(user__isnull=False).select_related("user")
    }
    [dbs] = problems.pop("unvetted")
    [accreditation] = problems.pop("notaccredited")
    assert "DBS" in dbs
    assert "not accredited" in accreditation
    assert all(reasons == [] for reasons in problems.values())


def test_it_records_the_demo_vetting_as_evidence(seeded):
    """Issue 14: certificates attested by an admin, teacher.a2's training reminder, and
    supervisor.schools' recertification queue begun."""
    teacher = User.objects.get(username="teacher.a")
    assert len(teacher.dbs_certificate_number) == 12
    assert teacher.vetting_attested_by.username == "orgadmin.school"
    assert User.objects.get(username="admin").vetting_attested_by is None
    reminded = Notification.objects.filter(kind=Notification.Kind.VETTING_EXPIRY)
    assert set(reminded.values_list("recipient__username", flat=True)) == {
        "teacher.a2",
        "orgadmin.school",
    }
    queue = recertification_queue(supervisor=User.objects.get(username="supervisor.schools"))
    assert [row.member.username for row in queue.done] == ["teacher.a2"]
    assert "teacher.a" in [row.member.username for row in queue.due]


def test_it_suggests_a_family_name_that_teacher_a_really_finds(seeded):
    teacher = User.objects.get(username="teacher.a")
    suggested = next(p for p in _world().personas if p.username == "teacher.a")
    actor = Actor(teacher.pk, teacher.username, teacher.role, teacher.organisation_id, None, "")
    result = child_search(
        user=teacher,
        criteria=SearchCriteria(
            family_name=suggested.example_surnames[0], purpose="current_involvement"
        ),
        actor=actor,
    )
    assert result.children
    assert suggested.example_surnames[0] in seeded["teacher.a"]["description"]


def test_it_skips_a_directory_that_already_has_children_when_asked_to(seeded, credentials_path):
    before = Child.objects.count()
    output = _seed(credentials_path, "--if-empty")
    assert "not loaded" in output
    assert Child.objects.count() == before


def test_it_refuses_to_load_on_top_of_existing_children(seeded, credentials_path):
    with pytest.raises(CommandError, match="already holds children"):
        _seed(credentials_path)
    assert Child.objects.count() == CHILDREN
