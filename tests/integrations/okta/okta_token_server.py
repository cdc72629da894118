"""A small OAuth front for the Okta simulator (which has no token endpoint).

`/oauth2/v1/token` checks the `private_key_jwt` client assertion against the app's public
key, demands a DPoP proof and, on the first try, a server nonce (400 `use_dpop_nonce` with
a `DPoP-Nonce` header, as Okta does). Issued tokens are DPoP-bound (`token_type: DPoP`) and
handed to the simulator as accepted bearer tokens. Every `/api/...` request must carry
`Authorization: DPoP <token>` and a proof signed by the key the token is bound to, for this
method and URL, with `ath` = the token's hash; then it is passed on to the simulator.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from integrations.okta.jws import b64url, b64url_decode
from simulators.okta import OktaSimulator

Scope = dict[str, Any]


class Refused(Exception):
    def __init__(self, status: int, error: str, description: str, **headers: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description, self.headers = (
            status,
            error,
            description,
            headers,
        )


def decode(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    head, body, signature = token.split(".")
    return (
        json.loads(b64url_decode(head)),
        json.loads(b64url_decode(body)),
        f"{head}.{body}".encode(),
        b64url_decode(signature),
    )


def jwk_public_key(jwk: dict[str, Any]) -> Any:
    def number(name: str) -> int:
        return int.from_bytes(b64url_decode(jwk[name]), "big")

    if jwk.get("kty") == "EC":
        return ec.EllipticCurvePublicNumbers(number("x"), number("y"), ec.SECP256R1()).public_key()
    return rsa.RSAPublicNumbers(number("e"), number("n")).public_key()


def verify(key: Any, alg: str, signing_input: bytes, signature: bytes) -> None:
    try:
        if alg == "RS256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "ES256" and isinstance(key, ec.EllipticCurvePublicKey):
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
        else:
            raise Refused(400, "invalid_request", f"unexpected algorithm {alg}")
    except InvalidSignature:
        raise Refused(401, "invalid_client", "signature does not verify") from None


def thumbprint(jwk: dict[str, Any]) -> str:
    members = ("crv", "kty", "x", "y") if jwk.get("kty") == "EC" else ("e", "kty", "n")
    canonical = json.dumps({k: jwk[k] for k in members}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


class OAuthFront:
    def __init__(
        self,
        sim: OktaSimulator,
        *,
        client_id: str,
        public_key: rsa.RSAPublicKey,
        key_id: str | None,
        clock: Callable[[], float],
        require_dpop: bool = True,
        resource_nonce: bool = False,
        token_lifetime: int = 3600,
    ) -> None:
        self.sim = sim
        self.client_id = client_id
        self.public_key = public_key
        self.key_id = key_id
        self.clock = clock
        self.require_dpop = require_dpop
        self.token_nonce = "as-nonce-" + secrets.token_hex(6)
        self.resource_nonce = "rs-nonce-" + secrets.token_hex(6) if resource_nonce else None
        self.token_lifetime = token_lifetime
        self.bound: dict[str, str | None] = {}  # access token -> DPoP key thumbprint
        self.seen_jti: set[str] = set()
        self.token_answers: list[int] = []
        self.resource_answers: list[int] = []
        self.authorization_schemes: list[str] = []
        self.token_app = Starlette(
            routes=[Route("/oauth2/v1/token", self._token_route, methods=["POST"])]
        )

    async def _token_route(self, request: Request) -> Response:
        try:
            answer = self.token(request.scope, await request.body())
        except Refused as refused:
            self.token_answers.append(refused.status)
            return JSONResponse(_error(refused), refused.status, headers=refused.headers)
        self.token_answers.append(200)
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    # --- ASGI -----------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.sim.app(scope, receive, send)
            return
        if scope["path"] == "/oauth2/v1/token":
            await self.token_app(scope, receive, send)
            return
        if scope["path"].startswith("/api/"):
            try:
                self.check_resource(scope)
            except Refused as refused:
                self.resource_answers.append(refused.status)
                challenge = f'DPoP error="{refused.error}"'
                await respond(
                    send,
                    refused.status,
                    _error(refused),
                    {"WWW-Authenticate": challenge, **refused.headers},
                )
                return
            self.resource_answers.append(200)
        await self.sim.app(scope, receive, send)

    # --- token endpoint -----------------------------------------------------------------------
    def token(self, scope: Scope, body: bytes) -> dict[str, Any]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        headers = _headers(scope)
        url = f"http://{headers['host']}/oauth2/v1/token"
        if form.get("grant_type") != "client_credentials":
            raise Refused(400, "unsupported_grant_type", "client_credentials only")
        if form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            raise Refused(401, "invalid_client", "private_key_jwt required")
        header, claims, signing_input, signature = decode(form["client_assertion"])
        if self.key_id is not None and header.get("kid") != self.key_id:
            raise Refused(401, "invalid_client", "unknown key id")
        verify(self.public_key, header["alg"], signing_input, signature)
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id:
            raise Refused(401, "invalid_client", "iss and sub must be the client id")
        if claims.get("aud") != url:
            raise Refused(401, "invalid_client", "aud must be the token URL")
        if not claims.get("exp") or claims["exp"] <= self.clock():
            raise Refused(401, "invalid_client", "the assertion expired")
        if claims.get("jti") in self.seen_jti:
            raise Refused(401, "invalid_client", "the assertion was replayed")
        self.seen_jti.add(claims["jti"])
        jkt = None
        proof = headers.get("dpop")
        if self.require_dpop:
            if not proof:
                raise Refused(400, "invalid_dpop_proof", "DPoP proof required")
            jkt, proof_claims = self.check_proof(proof, "POST", url)
            if proof_claims.get("nonce") != self.token_nonce:
                raise Refused(
                    400,
                    "use_dpop_nonce",
                    "Authorization server requires nonce in DPoP proof.",
                    **{"DPoP-Nonce": self.token_nonce},
                )
        token = secrets.token_urlsafe(24)
        self.bound[token] = jkt
        self.sim.credentials.add_bearer_token(token, client_id=self.client_id)
        return {
            "token_type": "DPoP" if jkt else "Bearer",
            "access_token": token,
            "expires_in": self.token_lifetime,
            "scope": form.get("scope", ""),
        }

    def check_proof(self, proof: str, method: str, url: str) -> tuple[str, dict[str, Any]]:
        header, claims, signing_input, signature = decode(proof)
        if header.get("typ") != "dpop+jwt" or "jwk" not in header:
            raise Refused(400, "invalid_dpop_proof", "typ dpop+jwt with a jwk required")
        if "d" in header["jwk"]:
            raise Refused(400, "invalid_dpop_proof", "the proof leaks a private key")
        verify(jwk_public_key(header["jwk"]), header["alg"], signing_input, signature)
        if claims.get("htm") != method or claims.get("htu") != url:
            raise Refused(400, "invalid_dpop_proof", f"htm/htu mismatch: {claims}")
        if abs(claims.get("iat", 0) - self.clock()) > 300 or not claims.get("jti"):
            raise Refused(400, "invalid_dpop_proof", "iat/jti")
        return thumbprint(header["jwk"]), claims

    # --- resource server ---------------------------------------------------------------------
    def check_resource(self, scope: Scope) -> None:
        headers = _headers(scope)
        scheme, _, token = headers.get("authorization", "").partition(" ")
        self.authorization_schemes.append(scheme)
        if token not in self.bound:
            raise Refused(401, "invalid_token", "unknown token")
        jkt = self.bound[token]
        if jkt is None:
            if scheme != "Bearer":
                raise Refused(401, "invalid_token", "a bearer token")
            return
        if scheme != "DPoP":
            raise Refused(401, "invalid_token", "a DPoP-bound token needs the DPoP scheme")
        raw_path = scope.get("raw_path") or scope["path"].encode()
        url = f"http://{headers['host']}{raw_path.decode().split('?', 1)[0]}"
        proof_jkt, claims = self.check_proof(headers.get("dpop", ""), scope["method"], url)
        if proof_jkt != jkt:
            raise Refused(401, "invalid_dpop_proof", "proof key differs from the bound key")
        if claims.get("ath") != b64url(hashlib.sha256(token.encode()).digest()):
            raise Refused(401, "invalid_dpop_proof", "ath does not match the token")
        if self.resource_nonce and claims.get("nonce") != self.resource_nonce:
            raise Refused(
                401,
                "use_dpop_nonce",
                "Resource server requires nonce in DPoP proof.",
                **{"DPoP-Nonce": self.resource_nonce},
            )


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}


def _error(refused: Refused) -> dict[str, str]:
    return {"error": refused.error, "error_description": refused.description}


async def respond(send: Any, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    data = json.dumps(body).encode()
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw += [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})
