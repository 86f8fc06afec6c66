"""The application's role cannot stall misuse review by holding its run lock (issue 14:
"the misuse-review advisory lock takeable by the app role").

Any role may take any advisory lock. Before this change a session holding the review's lock
kept every later run "busy" for as long as it liked, so nobody's lookups were reviewed; the
first test failed on main.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import ReviewRun
from audit.review.pipeline import _LOCK_KEY, misuse_review_run

from .test_seal_lock import app_session  # noqa: F401 - fixture


@pytest.fixture
def lock_held(app_session):  # noqa: F811 - the fixture imported above
    """An application-role session holding the review's lock, as an injection would."""
    app_session.cursor().execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
    return app_session


def _last_window_finished(ago: timedelta) -> None:
    start = timezone.now() - ago - timedelta(hours=1)
    ReviewRun.objects.create(
        detector="rollup",
        window_start=start,
        window_end=start + timedelta(hours=1),
        finished_at=timezone.now() - ago,
    )


def test_it_reviews_anyway_once_the_lock_holder_has_made_no_progress(lock_held, settings):
    _last_window_finished(ago=timedelta(seconds=settings.MISUSE_REVIEW_STALL_SECONDS + 60))
    assert misuse_review_run().status == "done"


def test_it_reviews_when_nothing_was_ever_reviewed_and_the_lock_is_held(lock_held):
    assert misuse_review_run().status == "done"


def test_it_leaves_a_run_that_is_making_progress_alone(lock_held):
    _last_window_finished(ago=timedelta(seconds=30))
    assert misuse_review_run().status == "busy"
