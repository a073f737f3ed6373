"""Who may call the events service's routes: every route declares its roles next to it
(``dependencies=[STAFF]``); the districts are the scope's business (``aiq_shared.scope``).

Staff of every role work with meetings: an officer in her districts (a meeting, and what
belongs to it, of another district is not found), a coordinator and an admin in all of them.
No route here is for coordinators and admins only: the reference data this service uses (the
districts, the staff list) are settings, erasures and merges arrive from contacts. The public
pages behind the personal links are marked ``@public`` instead. The table of every operation
is in docs/events.md ("Who may do what").
"""

from __future__ import annotations

from aiq_shared.auth import allow

STAFF = allow("officer", "coordinator", "admin")
