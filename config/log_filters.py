"""Logging filters named in ``LOGGING`` (config/settings.py).

Django logs every 4xx that a view raised (``Http404``, ``PermissionDenied``, a bad
request) at WARNING *with its traceback*: a scanner walking ids fills the log with
stack traces of refusals that worked. ``ClientErrorsWithoutTraceback`` keeps the one
line ("Not Found: /m/...") and drops the traceback below 500; a 500 keeps it.
"""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
