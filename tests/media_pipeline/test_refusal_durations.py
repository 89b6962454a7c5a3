"""A refused file's length is shown so that it never looks equal to the limit."""

import pytest

from media_pipeline.messages import render
from media_pipeline.probe import Probe, ProbeError, check_limits

FOUR_HOURS = 4 * 3600


def refusal(duration: float, *, limit: int) -> str:
    # A probe's result as plain data: a 4-hour clip is too slow to make in a test.
    source = Probe(
        duration=duration,
        size=1,
        container_format="mov,mp4,m4a,3gp,3g2,mj2",
        has_video=False,
        has_audio=True,
    )
    with pytest.raises(ProbeError) as refused:
        check_limits(source, max_seconds=limit, max_dimension=4096)
    return str(refused.value.message)


@pytest.mark.parametrize(
    ("duration", "shown"),
    [
        (14431, "This file is 4:00:31 long; the limit is 4:00:00."),
        # A fraction of a second over is rounded up, never down to the limit.
        (FOUR_HOURS + 0.2, "This file is 4:00:01 long; the limit is 4:00:00."),
    ],
)
def test_a_file_just_over_the_length_limit_never_looks_as_long_as_it(duration, shown):
    assert refusal(duration, limit=FOUR_HOURS) == shown


def test_short_lengths_are_shown_in_seconds_rounded_up():
    assert refusal(2.04, limit=2) == "This file is 2.1 s long; the limit is 2 s."


def test_a_refusal_stored_before_durations_still_reads_in_minutes():
    # Keys are data: rows failed with the old key keep rendering.
    assert render("too_long", {"minutes": 240, "limit": 240}) == (
        "This file is 240 minutes long; the limit is 240 minutes."
    )
