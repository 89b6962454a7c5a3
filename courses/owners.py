"""Who recorded a queued progress event, as an opaque marker (docs/progress.md).

The player's offline queue lives in the phone's browser and outlives a session: a
member may log out and another log in on the same phone before the queue is sent.
Each event carries its recorder's marker; the player sends only the events whose
marker is one of the page's own, and the progress API refuses an event whose marker
is not the signed-in user's. The marker is an HMAC of the user's id, so the queue
reveals nothing about the account and a marker cannot be made up for another user.

A rotated ``SECRET_KEY`` changes every marker. Events queued before the rotation
carry markers made with a key now in ``SECRET_KEY_FALLBACKS``, so those keys' markers
count as the user's too (``progress_owners``), as Django's own signing accepts them.
"""

from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "courses.progress.owner"


def progress_owner(user_id: int, *, secret: str | None = None) -> str:
    """The marker new events get (``secret``: another key than SECRET_KEY)."""
    digest = salted_hmac(SALT, str(user_id), secret=secret, algorithm="sha256")
    return digest.hexdigest()[:32]


def progress_owners(user_id: int) -> list[str]:
    """Every marker that is this user's: the current key's first, then the retired
    keys' (``SECRET_KEY_FALLBACKS``) for events queued before a rotation."""
    return [progress_owner(user_id)] + [
        progress_owner(user_id, secret=key) for key in settings.SECRET_KEY_FALLBACKS
    ]
