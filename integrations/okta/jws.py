"""Signing the client assertion and DPoP proofs (RS256 / ES256) and the keys they use, with
PyJWT: the JOSE details (header and claim encoding, ECDSA's raw r||s signatures, JWK
members) are a maintained library's, not ours."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def b64url(data: bytes) -> str:
    """Unpadded base64url (RFC 7515), e.g. the DPoP `ath` hash of an access token."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def algorithm_for(key: PrivateKey) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise ValueError("only RSA and EC P-256 private keys are supported")


def public_jwk(key: PrivateKey) -> dict[str, str]:
    """The public half as a JWK (no private members, ever)."""
    algorithm_for(key)
    if isinstance(key, rsa.RSAPrivateKey):
        jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    else:
        jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {k: str(v) for k, v in jwk.items() if k in ("kty", "crv", "x", "y", "n", "e")}


def sign(key: PrivateKey, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A compact JWS of `claims`; `alg` is set from the key."""
    alg = algorithm_for(key)
    return jwt.encode(claims, key, algorithm=alg, headers={**header, "alg": alg})


def generate_dpop_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 key for DPoP proofs (kept in memory only; distinct from the app key)."""
    return ec.generate_private_key(ec.SECP256R1())


def load_private_key(data: bytes) -> tuple[PrivateKey, str | None]:
    """A PEM private key, or a private JWK as Okta's Admin Console offers it; (key, kid)."""
    text = data.strip()
    if text.startswith(b"{"):
        document = json.loads(text)
        if "keys" in document:  # a JWKS with one key
            document = document["keys"][0]
        return _key_from_jwk(document), document.get("kid")
    key = serialization.load_pem_private_key(text, password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("only RSA and EC P-256 private keys are supported")
    algorithm_for(key)
    return key, None


def _with_crt_members(document: dict[str, Any]) -> dict[str, Any]:
    """An RSA JWK with the primes but not the CRT members (RFC 7518 wants all or none; some
    tools write only p and q): complete them, so the library takes the key."""
    if document.get("kty") != "RSA" or not {"p", "q"} <= document.keys():
        return document
    if {"dp", "dq", "qi"} <= document.keys():
        return document

    def number(name: str) -> int:
        return int.from_bytes(b64url_decode(document[name]), "big")

    def encode(value: int) -> str:
        return b64url(value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))

    d, p, q = number("d"), number("p"), number("q")
    return {
        **document,
        "dp": encode(rsa.rsa_crt_dmp1(d, p)),
        "dq": encode(rsa.rsa_crt_dmq1(d, q)),
        "qi": encode(rsa.rsa_crt_iqmp(p, q)),
    }


def _key_from_jwk(document: dict[str, Any]) -> PrivateKey:
    if document.get("kty") == "RSA" or (
        document.get("kty") == "EC" and document.get("crv") == "P-256"
    ):
        if "d" not in document:
            raise ValueError("the JWK holds no private key (no 'd')")
        document = _with_crt_members(document)
        try:
            key = jwt.PyJWK(document).key
        except (jwt.PyJWKError, ValueError, KeyError) as exc:
            raise ValueError(f"unusable private JWK: {exc}") from None
        if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            return key
    raise ValueError("only RSA and EC P-256 JWKs are supported")
