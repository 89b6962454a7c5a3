"""Answer an id that cannot name a row with a 404, where a view let it reach a query.

Our own URLs and API bodies check ids before any query (config/ids.py). Some of
Wagtail's admin views do not: a bulk action given ``?id=abc``, or a snippet chooser's
``chosen/abc/``, hands the text to an integer lookup, and Django raises
``ValueError("Field 'id' expected a number but got 'abc'.")``; SQLite raises
``OverflowError`` for a number past 64 bits, where PostgreSQL simply finds no row
and the view answers 404. The answer is therefore 404 on both databases, as for any
id that names nothing: the site's 404 page, or the API's JSON 404 under /api/.

Any other exception propagates untouched. What is caught is logged as a warning, so a
view of ours that forgot to check its ids still shows up in the logs.
"""

import logging
import re

from django.http import Http404
from django.views.defaults import page_not_found

from config.api_errors import is_api_request, not_found

logger = logging.getLogger(__name__)

# The message of django.db.models.fields.IntegerField.get_prep_value (and so of
# AutoField, BigAutoField and foreign keys to them); Django does not translate it.
NOT_A_NUMBER = re.compile(r"^Field '[^']+' expected a number but got ")


def is_bad_id(exception) -> bool:
    if isinstance(exception, OverflowError):
        # sqlite3's "Python int too large to convert to SQLite INTEGER"; not, say,
        # a date out of range, which is a bug of ours and stays a 500.
        return "too large to convert" in str(exception)
    return isinstance(exception, (ValueError, TypeError)) and bool(
        NOT_A_NUMBER.match(str(exception))
    )


class BadIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_bad_id(exception):
            return None
        logger.warning("An id that names nothing in %s: %s", request.path, exception)
        if is_api_request(request):
            return not_found(request)
        return page_not_found(request, Http404())
