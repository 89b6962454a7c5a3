"""Property tests of the merge: any order, duplication, replay or batching of the
same events gives the same state; credit never exceeds what was played nor goes down,
nor twice the wall time the events cover, however many sessions they name."""

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from courses.credit import (
    ALLOWANCE_SECONDS,
    MAX_SPEED,
    Event,
    State,
    clamp,
    credited_seconds,
    length,
    merge,
    wall_seconds,
)

DURATION = 600.0

seconds = st.floats(min_value=-50, max_value=700, allow_nan=False).map(
    lambda value: round(value, 2)
)
interval = st.tuples(seconds, seconds).map(lambda pair: tuple(sorted(pair)))
event = st.builds(
    Event,
    id=st.uuids().map(str),
    session=st.sampled_from(["a", "b", "c"]),
    at=st.floats(min_value=1.7e9, max_value=1.7e9 + 7200, allow_nan=False),
    position=seconds,
    played=st.lists(interval, max_size=4).map(tuple),
    rate=st.sampled_from([0.75, 1.0, 1.5, 2.0]),
)
events = st.lists(event, min_size=1, max_size=12, unique_by=lambda e: e.id)


def fold(batches, duration=DURATION):
    state = State()
    for batch in batches:
        state = merge(state, batch, duration=duration)
    return state


def same(left: State, right: State):
    assert left.watched == right.watched
    assert left.sessions == right.sessions
    assert (left.position, left.position_at) == (right.position, right.position_at)
    assert credited_seconds(left) == credited_seconds(right)
    assert wall_seconds(left) == wall_seconds(right)


@settings(max_examples=300)
@given(events, st.randoms(use_true_random=False))
def test_order_of_events_does_not_change_the_result(evs, rnd):
    shuffled = list(evs)
    rnd.shuffle(shuffled)

    same(fold([evs]), fold([shuffled]))


@settings(max_examples=300)
@given(events, st.randoms(use_true_random=False), st.integers(1, 5))
def test_duplicated_replayed_and_rebatched_events_change_nothing(evs, rnd, cuts):
    # given the same events delivered again, duplicated, in smaller late batches
    noisy = list(evs) + [rnd.choice(evs) for _ in range(len(evs))]
    rnd.shuffle(noisy)
    positions = sorted(rnd.randrange(len(noisy) + 1) for _ in range(cuts))
    batches = [
        noisy[i:j]
        for i, j in zip([0, *positions], [*positions, len(noisy)], strict=True)
    ]

    # when they are merged after the original delivery
    replayed = fold([evs, *batches, evs])

    # then the state is exactly the state of one clean delivery
    same(fold([evs]), replayed)


@settings(max_examples=300)
@given(events)
def test_credit_never_exceeds_what_was_played(evs):
    played = clamp([r for e in evs for r in e.played], DURATION)

    credit = credited_seconds(fold([evs]))

    assert credit <= length(played) + 1e-9
    assert credit <= DURATION


@settings(max_examples=300)
@given(events, events)
def test_credit_never_goes_down_as_events_arrive(first, later):
    before = credited_seconds(fold([first]))

    after = credited_seconds(fold([first, later]))

    assert after >= before


# Sums of epoch-sized floats may differ from the exact value by a few ulps.
EPSILON = 1e-6


@settings(max_examples=300)
@given(events)
def test_credit_is_capped_by_twice_the_wall_time_the_events_span(evs):
    times = [e.at for e in evs]
    state = fold([evs])

    # however many sessions the events name
    assert credited_seconds(state) <= (
        MAX_SPEED * (max(times) - min(times)) + ALLOWANCE_SECONDS + EPSILON
    )
    assert wall_seconds(state) <= max(times) - min(times) + EPSILON


@settings(max_examples=300)
@given(events)
def test_inventing_session_ids_never_adds_credit(evs):
    one_session = [dataclasses.replace(e, session="only") for e in evs]

    state, alone = fold([evs]), fold([one_session])

    assert credited_seconds(state) <= credited_seconds(alone) + EPSILON
    assert wall_seconds(state) <= wall_seconds(alone) + EPSILON


# Whole seconds, so that the wall time the sessions cover can be counted second by
# second: an oracle that shares no code with courses.credit.
whole_second_event = st.builds(
    Event,
    id=st.uuids().map(str),
    session=st.sampled_from(["a", "b", "c", "d", "e"]),
    at=st.integers(0, 120).map(lambda offset: 1.7e9 + offset),
    position=seconds,
    played=st.lists(interval, max_size=4).map(tuple),
)
whole_second_events = st.lists(
    whole_second_event, min_size=1, max_size=12, unique_by=lambda e: e.id
)


def seconds_covered(evs, *, tail):
    """The whole seconds within some session's [first event, last event + tail)."""
    spans = {}
    for e in evs:
        first, last = spans.get(e.session, (e.at, e.at))
        spans[e.session] = (min(first, e.at), max(last, e.at))
    return {
        second
        for first, last in spans.values()
        for second in range(int(first), int(last + tail))
    }


@settings(max_examples=300)
@given(whole_second_events)
def test_credit_is_played_time_capped_at_twice_the_wall_time_sessions_cover(evs):
    played = clamp([r for e in evs for r in e.played], DURATION)
    covered = seconds_covered(evs, tail=ALLOWANCE_SECONDS / MAX_SPEED)

    state = fold([evs])

    assert credited_seconds(state) == min(length(played), MAX_SPEED * len(covered))
    assert wall_seconds(state) == len(seconds_covered(evs, tail=0))


@settings(max_examples=200)
@given(st.lists(events, min_size=1, max_size=4))
def test_sessions_apart_in_time_each_get_their_own_cap(sessions):
    # given sessions an hour apart (the strategy's events span at most two hours)
    evs = [
        dataclasses.replace(e, id=f"{n}-{e.id}", session=str(n), at=e.at + n * 3 * 3600)
        for n, session in enumerate(sessions)
        for e in session
    ]
    played = clamp([r for e in evs for r in e.played], DURATION)
    spans = [max(e.at for e in s) - min(e.at for e in s) for s in sessions]

    state = fold([evs])

    # then each counts MAX_SPEED times its span plus its allowance, as alone
    caps = sum(MAX_SPEED * span + ALLOWANCE_SECONDS for span in spans)
    assert abs(credited_seconds(state) - min(length(played), caps)) < EPSILON
    assert abs(wall_seconds(state) - sum(spans)) < EPSILON


def test_invented_sessions_at_one_moment_share_one_allowance():
    # given three sessions made up to claim a 30 s lecture at the same instant
    at = 1.7e9
    evs = [
        Event(id=str(n), session=f"forged-{n}", at=at, position=30, played=((0, 30),))
        for n in range(3)
    ]

    state = fold([evs])

    assert credited_seconds(state) == ALLOWANCE_SECONDS
    assert wall_seconds(state) == 0


def test_two_tabs_playing_at_once_count_their_shared_time_once():
    # given two tabs claiming two different halves of the lecture in the same minute
    start = 1.7e9
    evs = [
        Event(id="a1", session="a", at=start, position=0),
        Event(id="a2", session="a", at=start + 60, position=90, played=((0, 90),)),
        Event(id="b1", session="b", at=start, position=90),
        Event(id="b2", session="b", at=start + 60, position=180, played=((90, 180),)),
    ]

    state = fold([evs])

    # then that minute is worth what it is worth in one tab
    assert length(state.watched) == 180
    assert credited_seconds(state) == MAX_SPEED * 60 + ALLOWANCE_SECONDS
    assert wall_seconds(state) == 60


def test_seeking_ahead_does_not_count_as_watched():
    # given a member who played 20 s, then dragged the playhead to the end
    start = 1.7e9
    evs = [
        Event(id="1", session="s", at=start, position=0, played=()),
        Event(id="2", session="s", at=start + 20, position=20, played=((0, 20),)),
        Event(id="3", session="s", at=start + 22, position=599, played=((0, 20),)),
    ]

    state = fold([evs])

    assert credited_seconds(state) == 20
    assert state.position == 599


def test_claiming_a_whole_lecture_in_one_minute_is_capped():
    start = 1.7e9
    evs = [
        Event(id="1", session="s", at=start, position=0),
        Event(id="2", session="s", at=start + 60, position=600, played=((0, 600),)),
    ]

    assert credited_seconds(fold([evs])) == MAX_SPEED * 60 + ALLOWANCE_SECONDS


def test_position_is_the_latest_by_event_time_not_by_arrival():
    start = 1.7e9
    late = Event(id="b", session="s", at=start + 30, position=30, played=((0, 30),))
    early = Event(id="a", session="s", at=start + 10, position=10, played=((0, 10),))

    assert fold([[late], [early]]).position == 30


def test_ranges_are_clamped_to_the_lecture():
    start = 1.7e9
    evs = [
        Event(id="1", session="s", at=start, position=0),
        Event(id="2", session="s", at=start + 900, position=5, played=((-5, 700),)),
    ]

    assert fold([evs]).watched == [(0.0, DURATION)]
