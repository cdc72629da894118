"""AES-GCM payload encryption: employee PII is ciphertext in Temporal's history.

Every payload the SDK sends (workflow inputs, signals, activity arguments and results,
queries, summaries) is serialized, then encrypted here before it leaves the process; the
Temporal server (or Temporal Cloud) only ever stores ciphertext. Operators read it through
the codec server (`lifecycle codec-server`), which the Web UI calls to decode.

Format of an encrypted payload (compatible with Temporal's published encryption samples):
- metadata `encoding` = `binary/encrypted`;
- metadata `encryption-key-id` = the id of the key that encrypted it (not secret);
- data = 12-byte random nonce ‖ AES-GCM ciphertext+tag of the original `Payload` message
  (its metadata and data, serialized as protobuf).

Key rotation: `LIFECYCLE_ENCRYPTION_KEYS="new:<b64>,old:<b64>"`. The selected key (the first,
or `LIFECYCLE_ENCRYPTION_KEY_ID`) encrypts; *every* configured key decrypts, so histories
written with the old key stay readable for as long as the old key stays in the list.
Payloads that are not encrypted (written before encryption was switched on) pass through.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable, Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from lifecycle.settings import Settings, SettingsError

ENCODING = b"binary/encrypted"
KEY_ID_META = "encryption-key-id"
NONCE_BYTES = 12
_KEY_SIZES = (16, 24, 32)  # AES-128/192/256; generate 32 (see docs/deployment.md)


class CodecError(ValueError):
    """A payload that cannot be decrypted; the message names the key id, never key material."""


class UnknownKeyError(CodecError):
    pass


def parse_keys(text: str) -> dict[str, bytes]:
    """`"kid:base64key,kid2:base64key"` → {kid: key}; SettingsError naming the problem.

    Messages mention key ids and positions only: the value is a secret.
    """
    keys: dict[str, bytes] = {}
    problems: list[str] = []
    entries = [e.strip() for e in text.replace("\n", ",").split(",") if e.strip()]
    if not entries:
        problems.append("LIFECYCLE_ENCRYPTION_KEYS: no keys (expected key-id:base64-key,...)")
    for position, entry in enumerate(entries, start=1):
        kid, sep, encoded = entry.partition(":")
        kid = kid.strip()
        if not sep or not kid or not encoded.strip():
            problems.append(f"LIFECYCLE_ENCRYPTION_KEYS: entry {position} is not key-id:base64-key")
            continue
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            problems.append(f"LIFECYCLE_ENCRYPTION_KEYS: key {kid!r} is not valid base64")
            continue
        if len(key) not in _KEY_SIZES:
            problems.append(
                f"LIFECYCLE_ENCRYPTION_KEYS: key {kid!r} is {len(key)} bytes; "
                "AES-GCM needs 16, 24 or 32 (use 32: `openssl rand -base64 32`)"
            )
            continue
        if kid in keys:
            problems.append(f"LIFECYCLE_ENCRYPTION_KEYS: key id {kid!r} appears twice")
            continue
        keys[kid] = key
    if problems:
        raise SettingsError(problems)
    return keys


def new_key() -> str:
    """A fresh base64 AES-256 key (for docs and `lifecycle codec-server --new-key`)."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: Mapping[str, bytes], encrypt_key_id: str | None = None) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self.key_id = encrypt_key_id or next(iter(keys))
        if self.key_id not in self._ciphers:
            raise ValueError(f"encryption key id {self.key_id!r} is not among the keys")

    def __repr__(self) -> str:  # never the keys
        return f"EncryptionCodec(encrypt={self.key_id!r}, decrypt={sorted(self._ciphers)!r})"

    @classmethod
    def from_settings(cls, settings: Settings) -> EncryptionCodec:
        if settings.lifecycle_encryption_keys is None:
            raise SettingsError(["LIFECYCLE_ENCRYPTION_KEYS: not set"])
        keys = parse_keys(settings.lifecycle_encryption_keys.get_secret_value())
        chosen = settings.lifecycle_encryption_key_id
        if chosen is not None and chosen not in keys:
            raise SettingsError(
                [
                    f"LIFECYCLE_ENCRYPTION_KEY_ID: {chosen!r} is not one of the key ids in "
                    f"LIFECYCLE_ENCRYPTION_KEYS ({', '.join(keys)})"
                ]
            )
        return cls(keys, chosen)

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return self.encode_sync(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return self.decode_sync(payloads)

    # Synchronous forms: the codec server and tests use them without an event loop hop.
    def encode_sync(self, payloads: Iterable[Payload]) -> list[Payload]:
        cipher = self._ciphers[self.key_id]
        out = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = cipher.encrypt(nonce, payload.SerializeToString(), None)
            out.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_ID_META: self.key_id.encode()},
                    data=nonce + sealed,
                )
            )
        return out

    def decode_sync(self, payloads: Iterable[Payload]) -> list[Payload]:
        out = []
        for payload in payloads:
            if payload.metadata.get("encoding", b"") != ENCODING:
                out.append(payload)  # plaintext from before encryption was switched on
                continue
            kid = payload.metadata.get(KEY_ID_META, b"").decode("utf-8", "replace")
            cipher = self._ciphers.get(kid)
            if cipher is None:
                raise UnknownKeyError(
                    f"payload was encrypted with key id {kid!r}, which is not configured "
                    f"(LIFECYCLE_ENCRYPTION_KEYS has: {', '.join(self._ciphers) or 'none'}); "
                    "keep retired keys in the list while histories written with them exist"
                )
            data = payload.data
            if len(data) <= NONCE_BYTES:
                raise CodecError(f"encrypted payload (key id {kid!r}) is truncated")
            try:
                plain = cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], None)
            except InvalidTag:
                raise CodecError(
                    f"payload does not decrypt with key {kid!r}: tampered, or the key "
                    "under that id changed"
                ) from None
            decoded = Payload()
            decoded.ParseFromString(plain)
            out.append(decoded)
        return out
