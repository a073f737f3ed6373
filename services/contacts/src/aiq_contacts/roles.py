"""Who may call what, declared next to each route (``dependencies=[STAFF]``): the roles per
operation are listed in docs/contacts.md ("Roles and districts").

Every signed-in role may read and write the everyday records (officers only in their
districts: the scope in every query); erasure, merges and imports are the coordinators' and
admins'. Routes are closed unless marked ``aiq_shared.auth.public``; contacts has none of
its own (health and readiness are the shared app's).
"""

from __future__ import annotations

from aiq_shared.auth import allow

# officers (in their districts), coordinators and admins (every district)
STAFF = allow("officer", "coordinator", "admin")
# erasure, merges, imports: not an officer's
COORDINATORS = allow("coordinator", "admin")
