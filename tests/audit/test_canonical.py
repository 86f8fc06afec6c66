"""Each event has one documented byte encoding, independent of the session reading it."""

from datetime import UTC, datetime, timedelta, timezone

from audit.sealing.canonical import event_bytes


def _row(occurred_at):
    return (
        7, occurred_at, 3, "alice", "practitioner", 1, "search", "shown", "referral",
        '{"family_name": "Thompson", "date_of_birth": "2015-03-27"}', ["abc"], "", "",
        "192.0.2.10", "pytest",
    )  # fmt: skip


def test_it_encodes_an_event_as_sorted_compact_json_with_utc_microseconds():
    moment = datetime(2026, 11, 25, 7, 38, 0, 123, tzinfo=UTC)
    assert event_bytes(_row(moment)) == (
        b'{"action":"search","actor_id":3,"actor_role":"practitioner","actor_username":"alice",'
        b'"child_public_id":"","criteria":{"date_of_birth":"2015-03-27","family_name":"Thompson"}'
        b',"id":7,"ip_address":"192.0.2.10","occurred_at":"2026-11-25T07:38:00.000123Z",'
        b'"organisation_id":1,"outcome":"shown","purpose":"referral","reason":"",'
        b'"result_ids":["abc"],"user_agent":"pytest","v":1}'
    )


def test_it_encodes_the_same_moment_alike_whatever_the_time_zone():
    moment = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    london = moment.astimezone(timezone(timedelta(hours=1)))
    assert event_bytes(_row(moment)) == event_bytes(_row(london))
