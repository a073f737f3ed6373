"""*Mein Bezirk*, the start page: open follow-ups (mine first), upcoming meetings with their
counts per district, organisations new in the district, and the live district dashboard."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from aiq_staff.security import session_of
from aiq_staff.web import ApisDep, render

router = APIRouter()


def mine_first(mine: list[dict], everyone: list[dict], username: str, limit: int = 10):
    """My open follow-ups, then the others' (each soonest due first), without repeats."""
    seen = {f["id"] for f in mine}
    others = [f for f in everyone if f["id"] not in seen and f.get("owner") != username]
    return mine, others[:limit]


async def meetings_for(apis) -> list[dict]:
    """Upcoming meetings with invited/registered/waitlisted, per district of the person."""
    user = apis.user
    if user.sees_all:
        city = await apis.notifications.city()
        return [dict(m, district=None) for m in city["events"]]
    boards = await asyncio.gather(*(apis.notifications.district(d) for d in user.districts))
    rows = []
    for board in boards:
        rows.extend(dict(m, district=board["district"]) for m in board["events"])
    return sorted(rows, key=lambda m: (m.get("starts_at") or "", m.get("district") or ""))


@router.get("/")
async def start(request: Request, apis: ApisDep):
    user = apis.user
    districts = None if user.sees_all else user.districts
    mine, everyone, meetings, recent = await asyncio.gather(
        apis.contacts.follow_ups.list(
            {"owner": user.username, "status": "open", "sort": "due", "limit": 20}
        ),
        apis.contacts.follow_ups.list({"status": "open", "sort": "due", "limit": 40}),
        meetings_for(apis),
        apis.contacts.organisations.list({"district": districts, "sort": "-created", "limit": 5}),
    )
    own, others = mine_first(mine["items"], everyone["items"], user.username)
    context = {  # follow-ups carry their organisation's and person's names
        "own": own,
        "others": others,
        "meetings": meetings,
        "recent": recent["items"],
        "districts": user.districts if not user.sees_all else [],
    }
    return render(request, "home.html", context)


@router.get("/dashboard/{district}")
async def live_dashboard(request: Request, district: str, apis: ApisDep):
    """The notifications service's live page for a district, signed in with this person's
    token (its ``?token=`` link sign-in moves the token into its own HttpOnly cookie)."""
    base = request.app.state.settings.dashboards_url
    token = session_of(request).access_token
    path = "/dashboard" if district == "stadt" else f"/dashboard/{quote(district)}"
    return RedirectResponse(f"{base}{path}?token={token}", status_code=303)
