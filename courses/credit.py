"""Credible completion: how progress events turn into watched time (pure, no Django).

Every number this module produces is a function of the *set* of events received so far,
built only from union, min and max, which are idempotent and commutative. So replayed,
duplicated, reordered or late batches give exactly the same state, and a state can only
grow (shared/DESIGN.md section 4, "Credible completion"; docs/progress.md).

* ``watched`` is the union of the played ranges, clamped to the lecture's duration.
  Seeking ahead never enters it: the browser's ``video.played`` only holds ranges the
  media element really played.
* ``sessions`` keeps, per playback session (one page load), the earliest and latest
  event time. Credit is capped by the wall time the sessions cover together: each
  session covers ``[first, last + ALLOWANCE_SECONDS / MAX_SPEED]``, and the cap is
  ``MAX_SPEED`` times the length of the union of those intervals. A client cannot
  claim an hour of lecture from events that span a minute, and session ids, which a
  client is free to invent, buy nothing: time covered by several sessions (two tabs,
  or forged sessions at the same moment) counts once. Sessions apart in time get
  ``MAX_SPEED * span + ALLOWANCE_SECONDS`` each.
* credited seconds = min(length of ``watched``, the cap). Both terms only grow as
  events arrive (a session's interval only widens), so credit never goes down and
  completion never reverts. A lesson without lecture credits the length of the union
  of the sessions' ``[first, last]``.
* ``position`` is the position of the event with the latest time (ties broken by the
  event id so the choice does not depend on arrival order).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Playback faster than 2x is not studying; the allowance covers the few seconds between
# pressing play and the first event, and clock jitter.
MAX_SPEED = 2.0
ALLOWANCE_SECONDS = 10.0

Interval = tuple[float, float]


@dataclass(frozen=True)
class Event:
    """One progress event as the player sends it (already validated)."""

    id: str
    session: str
    at: float  # seconds since the epoch, client time of the event
    position: float
    played: tuple[Interval, ...] = ()
    rate: float = 1.0


@dataclass
class State:
    """What is stored per (member, lesson): see LessonProgress."""

    watched: list[Interval] = field(default_factory=list)
    sessions: dict[str, tuple[float, float]] = field(default_factory=dict)
    position: float = 0.0
    position_at: float | None = None
    position_event: str = ""


def normalise(intervals: Iterable[Sequence[float]]) -> list[Interval]:
    """The canonical form of a union: sorted, disjoint, touching ranges joined."""
    ordered = sorted(
        (float(start), float(end)) for start, end in intervals if end > start
    )
    merged: list[Interval] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def clamp(intervals: Iterable[Sequence[float]], duration: float) -> list[Interval]:
    return normalise(
        (max(0.0, float(start)), min(float(end), duration)) for start, end in intervals
    )


def length(intervals: Iterable[Sequence[float]]) -> float:
    return sum(end - start for start, end in intervals)


def merge(state: State, events: Iterable[Event], *, duration: float | None) -> State:
    """Fold events into a new state; ``duration`` None: a lesson without lecture."""
    watched = list(state.watched)
    sessions = dict(state.sessions)
    position, position_at, position_event = (
        state.position,
        state.position_at,
        state.position_event,
    )
    for event in events:
        if duration is not None:
            watched.extend(event.played)
        first, last = sessions.get(event.session, (event.at, event.at))
        sessions[event.session] = (min(first, event.at), max(last, event.at))
        if position_at is None or (event.at, event.id) > (position_at, position_event):
            position, position_at, position_event = (
                event.position,
                event.at,
                event.id,
            )
    if duration is not None:
        watched = clamp(watched, duration)
        position = min(max(position, 0.0), duration)
    return State(
        watched=watched,
        sessions=sessions,
        position=position,
        position_at=position_at,
        position_event=position_event,
    )


def _covered(state: State, *, tail: float = 0.0) -> float:
    """Length of the union of the sessions' ``[first, last + tail]``: wall time that
    several sessions share counts once, as session ids are the client's invention."""
    return length(
        normalise((first, last + tail) for first, last in state.sessions.values())
    )


def wall_seconds(state: State) -> float:
    """Wall time the sessions cover: the reading time of a lesson without a lecture."""
    return _covered(state)


def credit_cap(state: State) -> float:
    # The tail makes a lone session's cap MAX_SPEED * span + ALLOWANCE_SECONDS.
    return MAX_SPEED * _covered(state, tail=ALLOWANCE_SECONDS / MAX_SPEED)


def credited_seconds(state: State) -> float:
    """Seconds of the lecture credited: played, and plausible in wall time."""
    return min(length(state.watched), credit_cap(state))
