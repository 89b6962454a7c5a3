"""Roster import and export: the spreadsheets organisers keep.

Columns, in this order (a header row is required; English keys or the Chinese
labels below are accepted, in any order):

    name, phone, home_organisation_code, host_organisation_code, status, note
    姓名, 手机号, 所属组织代码, 报到组织代码, 状态, 备注

Import is two steps: ``roster_check`` lists every row's problems (row number as
the spreadsheet shows it, and the column), and ``roster_import`` applies a file
with no problems in one transaction, re-checking inside it, so it never
half-applies.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from members import services
from members.models import Member, MobilityRecord, Organisation
from members.phones import is_masked_phone, is_valid_phone, normalise_phone
from members.scoping import members_in_scope, organisation_in_scope, phone_for
from spreadsheets import UnreadableTable, table_rows, unquote_text

COLUMNS = [
    "name",
    "phone",
    "home_organisation_code",
    "host_organisation_code",
    "status",
    "note",
]
CHINESE_HEADERS = {
    "姓名": "name",
    "手机号": "phone",
    "手机": "phone",
    "所属组织代码": "home_organisation_code",
    "报到组织代码": "host_organisation_code",
    "状态": "status",
    "流动状态": "status",
    "备注": "note",
    # The same headers in Traditional characters, as zh-Hant screens list them.
    "手機號": "phone",
    "手機": "phone",
    "所屬組織代碼": "home_organisation_code",
    "報到組織代碼": "host_organisation_code",
    "狀態": "status",
    "流動狀態": "status",
    "備註": "note",
}
STATUS_WORDS = {
    "local": "local",
    "outflow": "outflow",
    "inflow": "inflow",
    "本地": "local",
    "流出": "outflow",
    "流入": "inflow",
}
# Each column as the check names it to the reader: on Chinese screens the Chinese
# header that reads it (CHINESE_HEADERS), on English ones the key itself; both are
# what a file's header row may say.
HEADINGS = {
    "name": pgettext_lazy("roster column", "name"),
    "phone": pgettext_lazy("roster column", "phone"),
    "home_organisation_code": pgettext_lazy("roster column", "home_organisation_code"),
    "host_organisation_code": pgettext_lazy("roster column", "host_organisation_code"),
    "status": pgettext_lazy("roster column", "status"),
    "note": pgettext_lazy("roster column", "note"),
}
REQUIRED = ("name", "phone", "home_organisation_code")
MAX_ROWS = 50_000
# The stored length limit of each column that has one, from the models, so a value
# too long is a row problem in the check rather than a DataError at commit
# (PostgreSQL) or a value SQLite stores past its limit. The phone's limit is its
# format (11 digits); the note, a TextField, has the forms' NOTE_MAX_LENGTH.
MAX_LENGTHS = {
    column: limit
    for column, limit in {
        "name": Member._meta.get_field("name").max_length,
        "home_organisation_code": Organisation._meta.get_field("code").max_length,
        "host_organisation_code": Organisation._meta.get_field("code").max_length,
        "note": Member._meta.get_field("note").max_length,
    }.items()
    if limit
}
# A cell quoted back in a problem is cut to this many characters.
QUOTE_LENGTH = 40


class RosterFileError(ValueError):
    """The file cannot be read as a roster at all (shown to the user)."""


@dataclass
class RosterRow:
    number: int  # as the spreadsheet shows it: the header is row 1
    values: dict[str, str]


@dataclass
class RowProblem:
    row: int
    column: str
    message: str

    @property
    def heading(self) -> str:
        """The column in the reader's language (``HEADINGS``)."""
        return str(HEADINGS.get(self.column, self.column))


@dataclass
class RosterCheck:
    rows: list[RosterRow]
    problems: list[RowProblem] = field(default_factory=list)
    organisations: dict[str, Organisation] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # An export quoted cells that look like formulas (spreadsheets.cells).
    return unquote_text(str(value).strip())


def _quoted(value: str) -> str:
    """A cell as a problem message quotes it: whole, or its start and "…"."""
    if len(value) <= QUOTE_LENGTH:
        return value
    return value[:QUOTE_LENGTH] + "…"


def _header_key(text: str) -> str | None:
    text = _cell(text)
    key = text.lower().replace(" ", "_")
    if key in COLUMNS:
        return key
    return CHINESE_HEADERS.get(text)


def _headings(columns) -> str:
    """Columns as the reader's language names them, as its lists join them."""
    separator = pgettext("between the items of a list", ", ")
    return separator.join(str(HEADINGS[column]) for column in columns)


def _rows_from_table(table: Iterable[Iterable]) -> list[RosterRow]:
    table = iter(table)
    header = next(table, None)
    if header is None:
        raise RosterFileError(_("The file is empty."))
    keys = [_header_key(h) for h in header]
    named = [key for key in keys if key]
    twice = sorted({key for key in named if named.count(key) > 1}, key=COLUMNS.index)
    if twice:
        # Which cell would win is not the reader's to guess: say so.
        raise RosterFileError(
            _("The header row names these columns more than once: %(columns)s.")
            % {"columns": _headings(twice)}
        )
    missing = [c for c in REQUIRED if c not in keys]
    if missing:
        raise RosterFileError(
            _("The header row lacks these columns: %(columns)s.")
            % {"columns": _headings(missing)}
        )
    rows = []
    for number, cells in enumerate(table, start=2):
        cells = list(cells)
        values = dict.fromkeys(COLUMNS, "")
        for key, cell in zip(keys, cells, strict=False):
            if key:
                values[key] = _cell(cell)
        if not any(values.values()):
            continue  # blank lines at the end of spreadsheets
        rows.append(RosterRow(number, values))
        if len(rows) > MAX_ROWS:
            raise RosterFileError(
                _("More than %(max)s rows; split the file.") % {"max": MAX_ROWS}
            )
    if not rows:
        raise RosterFileError(_("The file has no member rows."))
    return rows


def read_roster(upload) -> list[RosterRow]:
    """Rows of an uploaded .xlsx or .csv file (spreadsheets.reading)."""
    try:
        return _rows_from_table(table_rows(upload, upload.name))
    except UnreadableTable as error:
        raise RosterFileError(str(error)) from error


def roster_check(*, user, rows: list[RosterRow]) -> RosterCheck:
    """Every problem of every row; a few queries whatever the file's size."""
    check = RosterCheck(rows=rows)
    problem = check.problems.append
    codes = {
        r.values[c].upper()
        for r in rows
        for c in ("home_organisation_code", "host_organisation_code")
        if r.values[c]
    }
    # Codes are stored in capitals (services.organisation_create).
    organisations = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
    phones = [normalise_phone(r.values["phone"]) for r in rows]
    taken = set(
        Member.objects.filter(phone__in=phones).values_list("phone", flat=True)
    ) | set(
        get_user_model()
        .objects.filter(username__in=phones)
        .values_list("username", flat=True)
    )
    seen: dict[str, int] = {}
    for row, phone in zip(rows, phones, strict=True):
        v = row.values
        n = row.number
        too_long = {c for c, limit in MAX_LENGTHS.items() if len(v[c]) > limit}
        for column in sorted(too_long, key=COLUMNS.index):
            problem(
                RowProblem(
                    n,
                    column,
                    str(_("Longer than %(max)s characters (%(length)s)."))
                    % {"max": MAX_LENGTHS[column], "length": len(v[column])},
                )
            )
        if not v["name"]:
            problem(RowProblem(n, "name", str(_("Name is missing."))))
        if not phone:
            problem(RowProblem(n, "phone", str(_("Phone is missing."))))
        elif is_masked_phone(phone):
            # A row of an export: a member hosted here, whose home keeps the record.
            problem(
                RowProblem(
                    n,
                    "phone",
                    str(
                        _(
                            "“%(phone)s” is masked: this member's home organisation "
                            "keeps their record. Remove the row."
                        )
                    )
                    % {"phone": _quoted(v["phone"])},
                )
            )
        elif not is_valid_phone(phone):
            problem(
                RowProblem(
                    n,
                    "phone",
                    str(_("“%(phone)s” is not an 11-digit mobile number."))
                    % {"phone": _quoted(v["phone"])},
                )
            )
        elif phone in seen:
            problem(
                RowProblem(
                    n,
                    "phone",
                    str(_("Duplicate phone: also on row %(row)s of this file."))
                    % {"row": seen[phone]},
                )
            )
        elif phone in taken:
            problem(
                RowProblem(n, "phone", str(_("Duplicate phone: already a member.")))
            )
        if phone:
            seen.setdefault(phone, n)
        for column in ("home_organisation_code", "host_organisation_code"):
            code = v[column]
            if not code:
                if column == "home_organisation_code":
                    problem(RowProblem(n, column, str(_("Code is missing."))))
                continue
            if column in too_long:
                continue
            organisation = organisations.get(code.upper())
            if organisation is None:
                problem(
                    RowProblem(
                        n,
                        column,
                        str(_("Unknown organisation code “%(code)s”."))
                        % {"code": code},
                    )
                )
            elif not organisation_in_scope(user, organisation):
                problem(
                    RowProblem(
                        n,
                        column,
                        str(_("“%(code)s” is outside your organisations."))
                        % {"code": code},
                    )
                )
        status = v["status"].lower()
        if status and status not in STATUS_WORDS:
            problem(
                RowProblem(
                    n,
                    "status",
                    str(_("Status must be local, outflow or inflow, not “%(s)s”."))
                    % {"s": _quoted(v["status"])},
                )
            )
        elif STATUS_WORDS.get(status) == "inflow" and not v["host_organisation_code"]:
            problem(
                RowProblem(
                    n,
                    "host_organisation_code",
                    str(_("An inflow member needs a host organisation code.")),
                )
            )
        elif v["host_organisation_code"] and STATUS_WORDS.get(status, "inflow") != (
            "inflow"
        ):
            problem(
                RowProblem(
                    n,
                    "status",
                    str(_("A member with a host organisation has status inflow.")),
                )
            )
        home = organisations.get(v["home_organisation_code"].upper())
        host = organisations.get(v["host_organisation_code"].upper())
        if home and host:
            refusal = services.host_refusal(home=home, host=host)
            if refusal:
                problem(RowProblem(n, "host_organisation_code", str(refusal)))
    check.organisations = organisations
    return check


@transaction.atomic
def roster_import(*, user, rows: list[RosterRow]) -> list[Member]:
    """Create every row's member, or none: raises ``RosterRejected`` on problems."""
    check = roster_check(user=user, rows=rows)
    if not check.ok:
        raise RosterRejected(check)
    created = []
    for row in rows:
        v = row.values
        host_code = v["host_organisation_code"].upper()
        status = STATUS_WORDS.get(v["status"].lower()) or (
            "inflow" if host_code else "local"
        )
        created.append(
            services.member_create(
                name=v["name"],
                phone=normalise_phone(v["phone"]),
                home_organisation=check.organisations[
                    v["home_organisation_code"].upper()
                ],
                host_organisation=check.organisations.get(host_code)
                if host_code
                else None,
                mobility_status=status,
                note=v["note"],
                recorded_by=user,
                record_kind=MobilityRecord.Kind.IMPORTED,
            )
        )
    return created


class RosterRejected(Exception):
    def __init__(self, check: RosterCheck):
        super().__init__(f"{len(check.problems)} problems")
        self.check = check


# Export ---


def roster_export_rows(user) -> Iterator[list[str]]:
    """The header, then one row per member in scope, streamed in chunks."""
    yield COLUMNS
    members = (
        members_in_scope(user)
        .select_related("home_organisation", "host_organisation")
        .order_by("home_path", "name", "id")
    )
    for m in members.iterator(chunk_size=2000):
        yield [
            m.name,
            phone_for(user, m),
            m.home_organisation.code,
            m.host_organisation.code if m.host_organisation else "",
            m.mobility_status,
            m.note,
        ]


LEDGER_COLUMNS = {
    "outflow": [
        "name",
        "phone",
        "home_organisation_code",
        "home_organisation",
        "status",
        "whereabouts",
        "moved_out_on",
        "host_organisation_code",
        "host_organisation",
        "registered_on",
    ],
    "inflow": [
        "name",
        "phone",
        "home_organisation_code",
        "home_organisation",
        "host_organisation_code",
        "host_organisation",
        "registered_on",
        "whereabouts",
    ],
}


# The ledgers are read, never imported: their headings and statuses are in the
# reader's language (the roster export keeps the importer's keys instead).
LEDGER_HEADINGS = {
    "name": pgettext_lazy("person", "Name"),
    "phone": _("Phone"),
    "home_organisation_code": _("Home organisation code"),
    "home_organisation": _("Home organisation"),
    "status": _("Mobility status"),
    "whereabouts": _("Where they now work or live"),
    "moved_out_on": _("Moved out on"),
    "host_organisation_code": _("Host organisation code"),
    "host_organisation": _("Host organisation"),
    "registered_on": _("Registered on"),
}


def _latest(kind: str):
    return Subquery(
        MobilityRecord.objects.filter(member=OuterRef("pk"), kind=kind)
        .order_by("-happened_on", "-id")
        .values("happened_on")[:1]
    )


def ledger_rows(user, kind: str) -> Iterator[list[str]]:
    """Outflow: members whose home is in scope and who have moved away.
    Inflow: members registered with (hosted by) an organisation in scope."""
    from members import selectors

    members = (
        selectors.outflow_ledger(user)
        if kind == "outflow"
        else selectors.inflow_ledger(user)
    ).annotate(
        moved_out_on=_latest(MobilityRecord.Kind.MOVED_OUT),
        registered_on=_latest(MobilityRecord.Kind.REGISTERED),
    )
    yield [str(LEDGER_HEADINGS[c]) for c in LEDGER_COLUMNS[kind]]
    for m in members.iterator(chunk_size=2000):
        home = m.home_organisation
        host = m.host_organisation
        values = {
            "name": m.name,
            "phone": phone_for(user, m),
            "home_organisation_code": home.code,
            "home_organisation": home.name,
            "status": m.get_mobility_status_display(),
            "whereabouts": m.whereabouts,
            "moved_out_on": m.moved_out_on.isoformat() if m.moved_out_on else "",
            "host_organisation_code": host.code if host else "",
            "host_organisation": host.name if host else "",
            # The registration it has now: one that ended leaves its record (in
            # the member's history), not a date beside an empty host.
            "registered_on": (
                m.registered_on.isoformat() if m.registered_on and host else ""
            ),
        }
        yield [values[c] for c in LEDGER_COLUMNS[kind]]
