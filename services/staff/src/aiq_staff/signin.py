"""Signing in and out: OpenID Connect (authorization code + PKCE, Authlib) or, on the embedded
default, the clearly marked development sign-in with the services' shared key.

OIDC: ``/anmelden`` redirects to the provider (state, nonce and the PKCE verifier kept in the
server-side session), ``/anmelden/rueckkehr`` takes the code, and the person's role and
districts come from the ID token's claims ``role`` and ``districts`` (the access token, which
the services check, must carry the same; docs/staff-app.md says how a Keycloak realm maps
them). The development sign-in lists the ``STAFF`` setting's people and mints a token like
``./aiq token``; it does not exist with ``ENVIRONMENT=production``.
"""

from __future__ import annotations

import time
from typing import Annotated
from urllib.parse import urlencode

from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from aiq_shared.auth import ROLES, issue_token
from aiq_staff.security import check_csrf, session_of
from aiq_staff.sessions import Session, User
from aiq_staff.settings import StaffSettings
from aiq_staff.web import render

router = APIRouter()
REFRESH_AHEAD_S = 30


def safe_next(value: str | None) -> str:
    """Only a path of this app (no other host: ``//evil`` or ``https://...`` are refused)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def user_from_claims(claims: dict) -> User | None:
    role = claims.get("role")
    if role not in ROLES:
        return None
    username = str(claims.get("preferred_username") or claims.get("sub") or "")
    if not username:
        return None
    districts = claims.get("districts") or []
    if isinstance(districts, str):
        districts = [districts]
    return User(username, str(claims.get("name") or username), role, list(districts))


class SignIn:
    """The app's way of signing people in (OIDC or development), kept on ``app.state``."""

    def __init__(self, settings: StaffSettings) -> None:
        self.settings = settings
        self.oauth: OAuth | None = None
        if settings.oidc_issuer:
            self.oauth = OAuth()
            self.oauth.register(
                "city",
                server_metadata_url=settings.oidc_issuer.rstrip("/")
                + "/.well-known/openid-configuration",
                client_id=settings.oidc_client_id,
                client_secret=settings.oidc_client_secret,
                client_kwargs={"scope": settings.oidc_scope, "code_challenge_method": "S256"},
            )

    @property
    def client(self):
        assert self.oauth is not None
        return self.oauth.create_client("city")

    def development_token(self, username: str) -> tuple[User, str, float] | None:
        if not self.settings.development_sign_in:
            return None
        member = self.settings.staff_list.get(username)
        if member is None:
            return None
        token = issue_token(
            self.settings.auth_secret,
            member.username,
            member.role,
            member.districts,
            member.name,
            audience=self.settings.auth_audience,
        )
        user = User(member.username, member.name, member.role, list(member.districts))
        return user, token, time.time() + 12 * 3600

    async def keep_fresh(self, request: Request, session: Session) -> None:
        """Refresh an OIDC access token shortly before it expires; sign out if that fails."""
        if session.expires_at is None or session.expires_at - time.time() > REFRESH_AHEAD_S:
            return
        if self.oauth is None or not session.refresh_token:
            if session.expires_at <= time.time():
                session.user = session.access_token = None
            return
        metadata = await self.client.load_server_metadata()
        async with AsyncOAuth2Client(
            self.settings.oidc_client_id, self.settings.oidc_client_secret
        ) as oauth_client:
            try:
                token = await oauth_client.refresh_token(
                    metadata["token_endpoint"], refresh_token=session.refresh_token
                )
            except Exception:  # the provider said no (session ended there): sign in again
                session.user = session.access_token = None
                return
        session.access_token = token["access_token"]
        session.refresh_token = token.get("refresh_token", session.refresh_token)
        session.expires_at = token.get("expires_at")


async def sign_in_of(request: Request) -> SignIn:
    return request.app.state.sign_in


SignInDep = Annotated[SignIn, Depends(sign_in_of)]


def _start_session(request: Request, user: User, token: str, expires_at, **tokens) -> None:
    store = request.app.state.sessions
    session = store.rotate(session_of(request))  # a new id once signed in: no fixation
    session.sign_in(user, token, expires_at, **tokens)
    request.scope["aiq_session"] = session


@router.get("/anmelden")
async def sign_in_page(request: Request, sign_in: SignInDep, weiter: str | None = None):
    session_of(request).data["next"] = safe_next(weiter)
    if sign_in.oauth is not None:
        redirect_uri = str(request.url_for("oidc_return"))
        return await sign_in.client.authorize_redirect(request, redirect_uri)
    if not sign_in.settings.development_sign_in:  # production without a provider: never
        return render(
            request, "error.html", {"message": "Anmeldung ist nicht eingerichtet."}, status=503
        )
    staff = sign_in.settings.staff_list.members
    return render(request, "sign_in_development.html", {"staff": staff})


@router.post("/anmelden", dependencies=[Depends(check_csrf)])
async def development_sign_in(
    request: Request, sign_in: SignInDep, username: Annotated[str, Form()] = ""
) -> Response:
    minted = sign_in.development_token(username)
    if minted is None:
        if not sign_in.settings.development_sign_in:
            return render(request, "error.html", {"message": "Nicht verfügbar."}, status=404)
        staff = sign_in.settings.staff_list.members
        context = {"staff": staff, "unknown": username}
        return render(request, "sign_in_development.html", context, status=422)
    user, token, expires_at = minted
    target = safe_next(session_of(request).data.pop("next", "/"))
    _start_session(request, user, token, expires_at)
    return RedirectResponse(target, status_code=303)


@router.get("/anmelden/rueckkehr", name="oidc_return")
async def oidc_return(request: Request, sign_in: SignInDep) -> Response:
    if sign_in.oauth is None:
        return render(request, "error.html", {"message": "Nicht verfügbar."}, status=404)
    try:
        token = await sign_in.client.authorize_access_token(request)
    except OAuthError as error:
        message = (
            f"Die Anmeldung hat nicht geklappt ({error.error}). Bitte versuchen Sie es erneut."
        )
        return render(request, "error.html", {"message": message}, status=400)
    user = user_from_claims(token.get("userinfo") or {})
    if user is None:
        message = (
            "Ihrem Konto ist keine Rolle in Ausbildung im Quartier zugewiesen. Bitte wenden "
            "Sie sich an die Koordination."
        )
        return render(request, "error.html", {"message": message}, status=403)
    target = safe_next(session_of(request).data.pop("next", "/"))
    _start_session(
        request,
        user,
        token["access_token"],
        token.get("expires_at"),
        refresh_token=token.get("refresh_token"),
        id_token=token.get("id_token"),
    )
    return RedirectResponse(target, status_code=303)


@router.post("/abmelden", dependencies=[Depends(check_csrf)])
async def sign_out(request: Request, sign_in: SignInDep) -> Response:
    store = request.app.state.sessions
    old = session_of(request)
    store.drop(old)
    request.scope["aiq_session"] = fresh = store.create()
    request.scope["session"] = fresh.data
    fresh.data["flash"] = [{"text": "Sie sind abgemeldet.", "kind": "success"}]
    if sign_in.oauth is not None and old.id_token:
        metadata = await sign_in.client.load_server_metadata()
        end = metadata.get("end_session_endpoint")
        if end:
            back = str(request.url_for("sign_in_page"))
            query = urlencode({"id_token_hint": old.id_token, "post_logout_redirect_uri": back})
            return RedirectResponse(f"{end}?{query}", status_code=303)
    return RedirectResponse("/anmelden", status_code=303)
