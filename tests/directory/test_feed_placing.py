"""Records the bulk passes leave are placed on several connections at once (placing.py).

The threads read committed data only, so this test commits its world (transactional_db).
"""

from datetime import date, timedelta

import pytest

from directory.feeds.placing import PARALLEL_FROM
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
