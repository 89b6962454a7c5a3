"""Hooks for apps that keep per-organisation figures (courses' roll-ups).

Sent by members.services inside the service's transaction, after the change, so a
receiver's writes commit or roll back with it. Receivers must not call back into
members.services.

* ``member_placement_changed(sender=Member, member, old_home_path, old_host_path,
  old_mobility_status)``: a member was created (the old values are ""), or their
  home or host organisation, or mobility status changed; the old values say where
  they were before.
* ``organisation_moved(sender=Organisation, organisation, old_path, new_path)``:
  a subtree moved; every path starting with ``old_path`` now starts with
  ``new_path``.
"""

from django.dispatch import Signal

member_placement_changed = Signal()
organisation_moved = Signal()
