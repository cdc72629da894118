"""Compact JWS signing (RS256 / ES256) and JWKs with `cryptography`: just what the client
assertion and DPoP proofs need, so no JWT library is required."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _uint(value: int, length: int | None = None) -> bytes:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return value.to_bytes(size, "big")


def _int(text: str) -> int:
    return int.from_bytes(b64url_decode(text), "big")


def algorithm_for(key: PrivateKey) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    raise ValueError("only RSA and EC P-256 private keys are supported")


def public_jwk(key: PrivateKey) -> dict[str, str]:
    """The public half as a JWK (no private members, ever)."""
    if isinstance(key, rsa.RSAPrivateKey):
        numbers = key.public_key().public_numbers()
        return {"kty": "RSA", "e": b64url(_uint(numbers.e)), "n": b64url(_uint(numbers.n))}
    public = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(_uint(public.x, 32)),
        "y": b64url(_uint(public.y, 32)),
    }


def sign(key: PrivateKey, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A compact JWS of `claims`; `alg` is set from the key."""
    alg = algorithm_for(key)
    head = b64url(json.dumps({**header, "alg": alg}, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{head}.{body}".encode("ascii")
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = _uint(r, 32) + _uint(s, 32)  # JWS wants raw r||s, not DER
    return f"{head}.{body}.{b64url(signature)}"


def generate_dpop_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 key for DPoP proofs (kept in memory only; distinct from the app key)."""
    return ec.generate_private_key(ec.SECP256R1())


def load_private_key(data: bytes) -> tuple[PrivateKey, str | None]:
    """A PEM private key, or a private JWK as Okta's Admin Console offers it; (key, kid)."""
    text = data.strip()
    if text.startswith(b"{"):
        jwk = json.loads(text)
        if "keys" in jwk:  # a JWKS with one key
            jwk = jwk["keys"][0]
        return _key_from_jwk(jwk), jwk.get("kid")
    key = serialization.load_pem_private_key(text, password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("only RSA and EC P-256 private keys are supported")
    algorithm_for(key)
    return key, None


def _key_from_jwk(jwk: dict[str, Any]) -> PrivateKey:
    if jwk.get("kty") == "RSA":
        if "d" not in jwk:
            raise ValueError("the JWK holds no private key (no 'd')")
        n, e, d = _int(jwk["n"]), _int(jwk["e"]), _int(jwk["d"])
        p, q = _int(jwk["p"]), _int(jwk["q"])
        numbers = rsa.RSAPrivateNumbers(
            p=p,
            q=q,
            d=d,
            dmp1=_int(jwk["dp"]) if "dp" in jwk else rsa.rsa_crt_dmp1(d, p),
            dmq1=_int(jwk["dq"]) if "dq" in jwk else rsa.rsa_crt_dmq1(d, q),
            iqmp=_int(jwk["qi"]) if "qi" in jwk else rsa.rsa_crt_iqmp(p, q),
            public_numbers=rsa.RSAPublicNumbers(e, n),
        )
        return numbers.private_key()
    if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        public = ec.EllipticCurvePublicNumbers(_int(jwk["x"]), _int(jwk["y"]), ec.SECP256R1())
        return ec.EllipticCurvePrivateNumbers(_int(jwk["d"]), public).private_key()
    raise ValueError("only RSA and EC P-256 JWKs are supported")
