"""Reference data the forms offer (districts, industries, officers), kept a few minutes."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

TTL_S = 300.0


@dataclass
class Reference:
    districts: list[str]
    industries: list[str]
    sections: list[tuple[str, str]]
    officers: list[tuple[str, str]]
    fetched: float = field(default_factory=time.monotonic)


async def reference(request, apis) -> Reference:
    cached: Reference | None = getattr(request.app.state, "reference", None)
    if cached is not None and time.monotonic() - cached.fetched < TTL_S:
        return cached
    catalogue = await apis.contacts.reference.industries()
    officers = await apis.contacts.reference.officers()
    names = [n for s in catalogue["sections"] for n in s["names"]] + catalogue["unclassified"]
    found = Reference(
        districts=list(request.app.state.settings.districts),
        industries=sorted(set(names), key=str.casefold),
        sections=[(s["section"], f"{s['section']} – {s['title']}") for s in catalogue["sections"]],
        officers=[(o["username"], o["name"]) for o in officers],
    )
    request.app.state.reference = found
    return found


def districts_for(user, ref: Reference) -> list[str]:
    """An officer is offered her districts; coordinators and admins every one."""
    if user.sees_all or not user.districts:
        return ref.districts
    return [d for d in ref.districts if d in user.districts] or ref.districts
