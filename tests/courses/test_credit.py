"""Property tests of the merge: any order, duplication, replay or batching of the
same events gives the same state; credit never exceeds what was played nor goes down."""

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


@settings(max_examples=200)
@given(events)
def test_credit_is_capped_by_the_wall_time_each_session_spans(evs):
    state = fold([evs])
    spans = [last - first for first, last in state.sessions.values()]

    assert (
        credited_seconds(state)
        <= sum(MAX_SPEED * span + ALLOWANCE_SECONDS for span in spans) + 1e-9
    )


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
