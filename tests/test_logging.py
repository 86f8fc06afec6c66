"""Child data never reaches the logs, even though search criteria are GET parameters."""

import logging

from contactpoint.logfilters import StripQueryString


def test_it_strips_query_strings_from_request_log_lines():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"GET /search/?family_name=Thompson&date_of_birth=2015-03-27 HTTP/1.1" %s',
        (200,),
        None,
    )
    StripQueryString().filter(record)
    assert "Thompson" not in record.getMessage()
    assert "2015-03-27" not in record.getMessage()
    assert "/search/?[redacted]" in record.getMessage()


def test_it_leaves_other_messages_alone():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "worker ready: %s", ("ok",), None)
    StripQueryString().filter(record)
    assert record.getMessage() == "worker ready: ok"


def test_it_keeps_search_criteria_out_of_a_not_found_warning(world, as_user, caplog):
    with caplog.at_level(logging.WARNING):
        as_user(world.charlie).get(
            f"/children/{world.maya.public_id}/", {"purpose": "referral", "x": "Thompson"}
        )
    for handler in logging.getLogger().handlers:
        for record in caplog.records:
            handler.filter(record)
    assert "Thompson" not in caplog.text
