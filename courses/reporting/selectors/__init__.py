"""Reads for the completion report, the drill-down member list and their exports.

Every function takes the requesting user and filters through members.scoping; the
report reads roll-up rows only (a fixed number of queries whatever the size of
the subtree), the member list reads one page (or one export chunk) at a time and
takes its total from the roll-ups where they hold it exactly (``members``).
"""

from courses.reporting.selectors.members import (
    Candidates,
    Cursor,
    LessonCell,
    MemberPage,
    MemberStatus,
    iter_member_statuses,
    list_candidates,
    member_list_total,
    member_page,
    member_statuses,
    member_study_status,
    members_for_report,
    related_members,
    status_q,
)
from courses.reporting.selectors.report import (
    CompletionReport,
    ReportRow,
    completion_report,
    report_areas_for,
    report_root_for,
    subtree_headcount,
    weekly_completions,
)
from courses.reporting.selectors.units import (
    BUCKETS,
    StudyStatus,
    StudyUnit,
    default_unit_choices,
    study_unit,
)

__all__ = [
    "BUCKETS",
    "Candidates",
    "CompletionReport",
    "Cursor",
    "LessonCell",
    "MemberPage",
    "MemberStatus",
    "ReportRow",
    "StudyStatus",
    "StudyUnit",
    "completion_report",
    "default_unit_choices",
    "iter_member_statuses",
    "list_candidates",
    "member_list_total",
    "member_page",
    "member_statuses",
    "member_study_status",
    "members_for_report",
    "related_members",
    "report_areas_for",
    "report_root_for",
    "status_q",
    "study_unit",
    "subtree_headcount",
    "weekly_completions",
]
