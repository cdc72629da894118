"""How the client proves who it is: an SSWS API token, or OAuth 2.0 client credentials
with `private_key_jwt` (and DPoP-bound tokens, which new Okta API-service apps require).

Both kinds put their headers on a request just before it is sent (`authorize`) and may ask
for one more try after a 401 (`retry_unauthorized`: token expired, or the resource server
wants a DPoP nonce). Credentials live only in these objects: their reprs, and every error
they raise, name the client id and the token URL, never a secret.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from integrations.okta import jws
from integrations.okta.errors import (
    OktaAuthError,
    OktaRateLimited,
    OktaServerError,
    OktaTransportError,
)

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300  # seconds; Okta accepts at most one hour
EXPIRY_MARGIN = 60  # renew a cached token this long before Okta says it expires


class OktaAuth(Protocol):
    async def authorize(self, request: httpx.Request, http: httpx.AsyncClient) -> None:
        """Set the credentials headers on `request` (fetching a token when needed)."""

    def retry_unauthorized(self, response: httpx.Response) -> bool:
        """After a 401: True when a new attempt may succeed (new token, DPoP nonce)."""


class SswsAuth:
    """`Authorization: SSWS <api token>`."""

    def __init__(self, token: SecretStr | str) -> None:
        self._token = token if isinstance(token, SecretStr) else SecretStr(token)
        if not self._token.get_secret_value():
            raise ValueError("the Okta API token is empty")

    async def authorize(self, request: httpx.Request, http: httpx.AsyncClient) -> None:
        request.headers["Authorization"] = f"SSWS {self._token.get_secret_value()}"

    def retry_unauthorized(self, response: httpx.Response) -> bool:
        return False  # an SSWS token does not get better by trying again

    def __repr__(self) -> str:
        return "SswsAuth(token=**********)"


@dataclass
class AccessToken:
    value: str = field(repr=False)
    token_type: str
    expires_at: float
    scope: str = ""

    @property
    def dpop_bound(self) -> bool:
        return self.token_type.lower() == "dpop"


def _htu(url: httpx.URL) -> str:
    """DPoP's `htu`: the request URI without query and fragment (RFC 9449 §4.2)."""
    return str(url.copy_with(query=None, fragment=None))


def _ath(token: str) -> str:
    return jws.b64url(hashlib.sha256(token.encode("ascii")).digest())


class PrivateKeyJwtAuth:
    """OAuth 2.0 client credentials with `private_key_jwt`, DPoP when the server wants it.

    The token request carries a client assertion signed with the app's private key (`aud` =
    the token URL). With `dpop=True` it also carries a DPoP proof signed with a separate,
    in-memory key; when the server answers 400 `use_dpop_nonce` with a `DPoP-Nonce`
    header, the request is repeated with a proof carrying that nonce. A DPoP-bound token is
    then sent as `Authorization: DPoP <token>` plus a fresh proof (with `ath`, the token's
    hash) on every API request. Tokens are cached until shortly before they expire.
    """

    def __init__(
        self,
        *,
        org_url: str,
        client_id: str,
        private_key: jws.PrivateKey,
        key_id: str | None = None,
        scopes: Sequence[str] | str = ("okta.users.manage", "okta.groups.manage"),
        token_url: str | None = None,
        dpop: bool = True,
        dpop_key: jws.PrivateKey | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id
        self.token_url = token_url or f"{org_url.rstrip('/')}/oauth2/v1/token"
        self.key_id = key_id
        self.scopes = scopes if isinstance(scopes, str) else " ".join(scopes)
        self.dpop = dpop
        self._key = private_key
        self._dpop_key = (dpop_key or jws.generate_dpop_key()) if dpop else None
        self._clock = clock
        self._token: AccessToken | None = None
        self._token_nonce: str | None = None  # the authorization server's DPoP nonce
        self._resource_nonce: str | None = None  # the resource server's, if it asks for one
        self._lock = asyncio.Lock()
        self.token_requests = 0  # for tests and benchmarks

    @classmethod
    def from_file(
        cls,
        path: Path,
        *,
        org_url: str,
        client_id: str,
        key_id: str | None = None,
        **kwargs: object,
    ) -> PrivateKeyJwtAuth:
        key, jwk_kid = jws.load_private_key(path.read_bytes())
        return cls(
            org_url=org_url,
            client_id=client_id,
            private_key=key,
            key_id=key_id or jwk_kid,
            **kwargs,  # type: ignore[arg-type]
        )

    def __repr__(self) -> str:
        return f"PrivateKeyJwtAuth(client_id={self.client_id!r}, token_url={self.token_url!r})"

    # --- JWTs --------------------------------------------------------------------------------
    def client_assertion(self) -> str:
        now = int(self._clock())
        header = {"typ": "JWT"}
        if self.key_id:
            header["kid"] = self.key_id
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.token_url,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
            "jti": uuid.uuid4().hex,
        }
        return jws.sign(self._key, header, claims)

    def dpop_proof(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        nonce: str | None = None,
        access_token: str | None = None,
    ) -> str:
        if self._dpop_key is None:
            raise RuntimeError("DPoP is switched off for this client")
        claims: dict[str, object] = {
            "htm": method.upper(),
            "htu": _htu(httpx.URL(url) if isinstance(url, str) else url),
            "iat": int(self._clock()),
            "jti": uuid.uuid4().hex,
        }
        if nonce:
            claims["nonce"] = nonce
        if access_token:
            claims["ath"] = _ath(access_token)
        header = {"typ": "dpop+jwt", "jwk": jws.public_jwk(self._dpop_key)}
        return jws.sign(self._dpop_key, header, claims)

    # --- tokens ------------------------------------------------------------------------------
    async def access_token(self, http: httpx.AsyncClient) -> AccessToken:
        async with self._lock:
            token = self._token
            if token is None or token.expires_at - EXPIRY_MARGIN <= self._clock():
                token = self._token = await self._fetch(http)
            return token

    def invalidate(self) -> None:
        self._token = None

    async def _fetch(self, http: httpx.AsyncClient) -> AccessToken:
        for _ in range(3):  # at most: no nonce, a nonce, a renewed nonce
            headers = {"Accept": "application/json"}
            if self.dpop:
                headers["DPoP"] = self.dpop_proof("POST", self.token_url, nonce=self._token_nonce)
            form = {
                "grant_type": "client_credentials",
                "scope": self.scopes,
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
                "client_assertion": self.client_assertion(),
            }
            self.token_requests += 1
            try:
                response = await http.post(self.token_url, data=form, headers=headers)
            except httpx.TransportError as exc:
                raise OktaTransportError(
                    f"POST {self.token_url}: no answer ({type(exc).__name__})",
                    method="POST",
                    path=self.token_url,
                ) from None
            body = _json(response)
            error = str(body.get("error") or "")
            nonce = response.headers.get("DPoP-Nonce")
            if response.status_code in (400, 401) and error == "use_dpop_nonce" and nonce:
                self._token_nonce = nonce
                continue
            if response.status_code >= 400:
                raise self._token_error(response, body)
            return self._parse_token(body)
        raise OktaAuthError(
            f"POST {self.token_url}: the authorization server kept asking for a new DPoP nonce",
            method="POST",
            path=self.token_url,
        )

    def _token_error(self, response: httpx.Response, body: dict[str, object]) -> Exception:
        status = response.status_code
        error = str(body.get("error") or body.get("errorCode") or "")
        description = str(body.get("error_description") or body.get("errorSummary") or "")
        text = f"POST {self.token_url}: {status} {error} {description}".strip()
        common: dict[str, Any] = {
            "method": "POST",
            "path": self.token_url,
            "status": status,
            "error_code": error,
        }
        if status == 429:
            reset = response.headers.get("X-Rate-Limit-Reset")
            reset_at = float(reset) if reset and reset.isdigit() else None
            return OktaRateLimited(text, reset_at=reset_at, **common)
        if status >= 500:
            return OktaServerError(text, **common)
        return OktaAuthError(f"token request for client {self.client_id} refused: {text}", **common)

    def _parse_token(self, body: dict[str, object]) -> AccessToken:
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            raise OktaAuthError(
                f"POST {self.token_url}: the answer holds no access_token",
                method="POST",
                path=self.token_url,
            )
        try:
            expires_in = float(body.get("expires_in") or 3600)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            expires_in = 3600.0
        return AccessToken(
            value=value,
            token_type=str(body.get("token_type") or "Bearer"),
            expires_at=self._clock() + expires_in,
            scope=str(body.get("scope") or ""),
        )

    # --- requests ----------------------------------------------------------------------------
    async def authorize(self, request: httpx.Request, http: httpx.AsyncClient) -> None:
        token = await self.access_token(http)
        if token.dpop_bound and self._dpop_key is not None:
            request.headers["Authorization"] = f"DPoP {token.value}"
            request.headers["DPoP"] = self.dpop_proof(
                request.method, request.url, nonce=self._resource_nonce, access_token=token.value
            )
        else:
            request.headers["Authorization"] = f"Bearer {token.value}"

    def retry_unauthorized(self, response: httpx.Response) -> bool:
        challenge = response.headers.get("WWW-Authenticate", "")
        nonce = response.headers.get("DPoP-Nonce")
        if nonce and "use_dpop_nonce" in challenge:
            self._resource_nonce = nonce
            return True
        # Expired or revoked before its time: forget it, the next attempt fetches another.
        self.invalidate()
        return True


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        data = json.loads(response.content or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
