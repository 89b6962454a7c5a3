"""A refusal is one line in the log; a server error keeps its traceback."""

import logging

import pytest

from config.log_filters import ClientErrorsWithoutTraceback


def logged(status_code: int | None) -> str:
    try:
        raise LookupError("the cause")
    except LookupError as error:
        record = logging.LogRecord(
            "django.request", logging.WARNING, __file__, 1, "Not Found: /x", (), None
        )
        record.exc_info = (type(error), error, error.__traceback__)
    if status_code is not None:
        record.status_code = status_code
    assert ClientErrorsWithoutTraceback().filter(record)
    return logging.Formatter().format(record)


@pytest.mark.parametrize("status_code", [400, 403, 404, 409])
def test_a_refusal_is_one_line(status_code):
    assert logged(status_code) == "Not Found: /x"


@pytest.mark.parametrize("status_code", [500, None])
def test_a_server_error_and_any_other_record_keep_the_traceback(status_code):
    assert "Traceback" in logged(status_code)
    assert "LookupError: the cause" in logged(status_code)


def test_the_sites_console_handler_uses_it(settings):
    assert settings.LOGGING["handlers"]["console"]["filters"] == [
        "client_errors_without_traceback"
    ]
