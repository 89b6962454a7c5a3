"""Members held at an organisation itself, not below it: those whose home or host
is that organisation. The organisation tree's "Home members" and "Hosted members"
count them; the admin's member list and the report's member list list them with
"Held: at the organisation itself" (``?held=here``). The rule and its words live
here once."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

HELD_HERE = "here"
HELD_LABEL = _("Held")
HELD_CHOICES = [
    ("", _("At the organisation or below it")),
    (HELD_HERE, _("At the organisation itself")),
]
# ``held=here`` names no organisation itself: without one it is refused, not
# dropped (the list would otherwise show the whole area under that filter).
NEEDS_ORGANISATION = _("Choose the organisation whose own members to list.")


def held_at_q(organisation) -> Q:
    """Members whose home or host is ``organisation`` itself."""
    return Q(home_organisation=organisation) | Q(host_organisation=organisation)


def refuse_held_without_organisation(form) -> None:
    """A filter form's error for ``held=here`` without an organisation (unless
    the organisation was refused: its own error says enough). Call from
    ``clean()``."""
    data = form.cleaned_data
    if (
        data.get("held") == HELD_HERE
        and not data.get("organisation")
        and "organisation" not in form.errors
    ):
        form.add_error("held", NEEDS_ORGANISATION)
