"""Columns other apps add to the organisation tree screen, through a Wagtail hook.

``members`` must not import the apps built on it (docs/architecture.md), yet the
tree is where an organiser first looks at their area, and some of its figures are
kept by those apps (the subtree headcounts of ``courses.reporting``). An app adds
a column by registering a function under ``HOOK`` that returns a ``TreeColumn``::

    @hooks.register("register_organisation_tree_columns")
    def subtree_members():
        return TreeColumn("subtree_members", _("Members, whole subtree"), expression)

``value`` is evaluated per listed row, correlated on the organisation through
``OuterRef("path")`` or ``OuterRef("pk")``: a subquery the database runs for the
page's rows only, so the screen's query count stays flat however large the tree.
"""

from dataclasses import dataclass

from django.db.models import Expression
from wagtail import hooks

HOOK = "register_organisation_tree_columns"


@dataclass(frozen=True)
class TreeColumn:
    name: str
    label: str
    value: Expression


def tree_columns() -> list[TreeColumn]:
    """Every registered column, in the order the apps registered them."""
    return [register() for register in hooks.get_hooks(HOOK)]
