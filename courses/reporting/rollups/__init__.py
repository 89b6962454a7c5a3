"""Keeping the roll-up rows (ProgressRollup, WeeklyCompletion, Headcount).

Rows exist for every level of the organisation tree: the row at a path holds the
figures of the whole subtree, so a report reads its own row and its children's
(docs/reports.md). A change for a member is applied to every prefix of the path of
the organisation where the member is counted (5 rows in a province tree) with
``UPDATE ... SET x = x + delta``.

* ``rollup_progress_changed``: called by courses.services inside the transaction
  that changed a LessonProgress row.
* ``rollup_member_placed`` / ``rollup_organisation_moved``: called from members'
  signals (courses.reporting.receivers) inside the members service's transaction.
* ``rollups_rebuild``: recomputes every row, reports the drift, replaces the rows.
* ``rollup_units_rebuild``: recomputes the rows of some courses and campaigns
  (the ``rollups_refresh`` task, after lessons are published or campaigns edited).

Counting: a member is counted once, where they are (the host organisation when
inflow, else home), in the bucket of their mobility status. A unit (course or
campaign) is started when any of its live lessons is started, completed when all
are; the completion week is the week of the last lesson completion; hours are the
sum of hours credited.

Modules: ``common`` (locations, units, ``bump``), ``progress`` (incremental
updates), ``moves`` (members and organisations moving), ``rebuild`` (recompute
and drift), ``units`` (recompute a few courses and campaigns). The names other
modules use are importable from here.
"""

from courses.reporting.rollups.common import (
    Snapshot,
    campaign_counts_member,
    member_location,
    prefixes,
    week_of,
)
from courses.reporting.rollups.moves import (
    rollup_member_placed,
    rollup_organisation_moved,
)
from courses.reporting.rollups.progress import rollup_progress_changed
from courses.reporting.rollups.rebuild import Drift, rollups_rebuild
from courses.reporting.rollups.units import rollup_units_rebuild

__all__ = [
    "Drift",
    "Snapshot",
    "campaign_counts_member",
    "member_location",
    "prefixes",
    "rollup_member_placed",
    "rollup_organisation_moved",
    "rollup_progress_changed",
    "rollup_units_rebuild",
    "rollups_rebuild",
    "week_of",
]
