"""Who recorded a queued progress event, as an opaque marker (docs/progress.md).

The player's offline queue lives in the phone's browser and outlives a session: a
member may log out and another log in on the same phone before the queue is sent.
Each event carries its recorder's marker; the player sends only the events whose
marker is the page's own, and the progress API refuses an event whose marker is not
the signed-in user's. The marker is an HMAC of the user's id, so the queue reveals
nothing about the account and a marker cannot be made up for another user.
"""

from django.utils.crypto import salted_hmac

SALT = "courses.progress.owner"


def progress_owner(user_id: int) -> str:
    return salted_hmac(SALT, str(user_id), algorithm="sha256").hexdigest()[:32]
