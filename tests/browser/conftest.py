"""The browser tests reuse the progress tests' fixtures (a real transcoded lecture)."""

from tests.courses.conftest import (  # noqa: F401 -- fixtures, found by name
    branch,
    ready_lecture,
    transcoded_clip,
    tree,
)
