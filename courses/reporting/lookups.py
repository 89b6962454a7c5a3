"""``field__any_of=[...]``: ``IN`` with one array parameter on PostgreSQL.

``member_id__in=ids`` with a chunk of 2,000 ids is 2,000 placeholders that
Django builds one by one and psycopg splits one by one on every query (about
10% of a member export, bench/reports); ``member_id = ANY(%s)`` passes the list
as one array. Other databases get the plain ``IN``.
"""

from django.db.models import ForeignKey
from django.db.models.lookups import In


@ForeignKey.register_lookup
class AnyOf(In):
    lookup_name = "any_of"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))
