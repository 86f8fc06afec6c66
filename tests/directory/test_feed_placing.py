"""The exact pass and the records it leaves run on several connections at once (placing.py).

The threads read committed data only, so this test commits its world (transactional_db).
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from directory.feeds import placing
from directory.feeds.linking import exact_links
from directory.feeds.placing import PARALLEL_FROM, exact_find
from directory.feeds.reader import feed_read
from directory.models import Child, FeedLink

from ..factories import ChildFactory, LocalAuthorityFactory, OrganisationFactory
from .test_feeds import feed_bytes, run

pytestmark = pytest.mark.usefixtures("clock")
FAMILIES = ("Abara", "Brennan", "Cieslak", "Dunmore", "Eastwood", "Fairley", "Gorman", "Hale")


@pytest.fixture
def held(transactional_db):
    leeds = LocalAuthorityFactory(code="E08000035", name="Leeds")
    school = OrganisationFactory(local_authority=leeds)
    children = [
        ChildFactory(
            given_name=f"Jonathan{chr(97 + n % 26)}",
            family_name=FAMILIES[n % len(FAMILIES)],
            date_of_birth=date(2012, 1, 1) + timedelta(days=n),
            local_authority=leeds,
        )
        for n in range(PARALLEL_FROM + 10)
    ]
    return school, children


def test_it_links_a_large_batch_placed_in_threads_to_the_right_children(held, tmp_path, settings):
    settings.FEED_LINK_WORKERS = 2
    school, children = held
    rows = [
        {
            "source_record_id": f"R{n}",
            "family_name": child.family_name,
            "given_name": "Jonahtan" + child.given_name[-1],  # a slip: the matcher's work
            "date_of_birth": child.date_of_birth.isoformat(),
            "sex": "F",
            "postcode": child.postcode,  # where the child lives: the slip may be forgiven
            "organisation_code": school.code,
        }
        for n, child in enumerate(children)
    ]

    output = run(tmp_path, feed_bytes(*rows))

    assert f"linked {len(children)}" in output
    linked = dict(FeedLink.objects.values_list("source_record_id", "child_id"))
    assert linked == {f"R{n}": child.pk for n, child in enumerate(children)}
    assert Child.objects.count() == len(children)


def test_the_exact_pass_in_shares_links_what_one_statement_links(
    transactional_db, monkeypatch, settings
):
    leeds = LocalAuthorityFactory(code="E08000035", name="Leeds")
    school = OrganisationFactory(local_authority=leeds)
    born = date(2013, 3, 1)
    alone = [
        ChildFactory(
            given_name=f"Maria{chr(97 + n)}", family_name="Quayle", gender="female",
            date_of_birth=born + timedelta(days=n), local_authority=leeds,
        )
        for n in range(9)
    ]  # fmt: skip
    # Two namesakes born the same day: no exact link for either, the matcher decides.
    for _ in range(2):
        ChildFactory(
            given_name="Tom", family_name="Ruddock", date_of_birth=born, local_authority=leeds
        )
    rows = [
        {
            "source_record_id": f"Q{n}",
            "family_name": child.family_name.upper(),  # keys agree whatever the case
            "given_name": child.given_name,
            "date_of_birth": child.date_of_birth.isoformat(),
            "sex": "M" if n == 0 else "F",  # the first differs in sex: no exact link
            "organisation_code": school.code,
        }
        for n, child in enumerate(alone)
    ]
    rows.append({"source_record_id": "T", "family_name": "Ruddock", "given_name": "Tom",
                 "date_of_birth": born.isoformat(), "sex": "M",
                 "organisation_code": school.code})  # fmt: skip
    read = feed_read(data=feed_bytes(*rows), source="school_census", today=timezone.localdate())
    assert read.errors == []
    records = read.records
    shares = []
    share = placing._exact_share
    monkeypatch.setattr(placing, "_exact_share", lambda part: shares.append(part) or share(part))
    monkeypatch.setattr(placing, "EXACT_PARALLEL_FROM", 2)
    settings.FEED_LINK_WORKERS = 3

    found = exact_find(records)

    assert [len(part) for part in shares] == [4, 4, 2]
    assert found == exact_links(records, using="default")
    assert found == {f"Q{n}": child.pk for n, child in enumerate(alone) if n}
