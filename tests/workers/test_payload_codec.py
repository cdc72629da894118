"""The AES-GCM payload codec: what Temporal stores is ciphertext that names its key, every
configured key decrypts (rotation), and problems are reported without key material."""

from __future__ import annotations

import base64
import json

import pytest
from pydantic import SecretStr
from temporalio.api.common.v1 import Payload

from lifecycle.settings import Settings, SettingsError
from workers.codec import (
    ENCODING,
    KEY_ID_META,
    CodecError,
    EncryptionCodec,
    UnknownKeyError,
    new_key,
    parse_keys,
)
from workers.connect import data_converter

PII = {"firstName": "Avel", "lastName": "Testorsson", "workEmail": "avel.testorsson@acme.example"}


def settings_with(keys: str, key_id: str | None = None) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        lifecycle_encryption_keys=SecretStr(keys),
        lifecycle_encryption_key_id=key_id,
    )


def json_payload(value: object) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(value).encode())


async def test_encrypted_payload_is_ciphertext_naming_its_key() -> None:
    codec = EncryptionCodec.from_settings(settings_with(f"k1:{new_key()}"))
    [sealed] = await codec.encode([json_payload(PII)])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID_META] == b"k1"
    assert b"Avel" not in sealed.data and b"acme.example" not in sealed.data
    assert b"json/plain" not in sealed.data  # the original metadata is sealed too
    [opened] = await codec.decode([sealed])
    assert json.loads(opened.data) == PII
    assert opened.metadata["encoding"] == b"json/plain"


async def test_same_plaintext_encrypts_differently_each_time() -> None:
    codec = EncryptionCodec.from_settings(settings_with(f"k1:{new_key()}"))
    first, second = await codec.encode([json_payload(PII), json_payload(PII)])
    assert first.data[:12] != second.data[:12]  # random nonce per payload
    assert first.data != second.data


async def test_rotation_old_payloads_still_decode_after_a_new_key_is_added_first() -> None:
    old_key, new = new_key(), new_key()
    before = EncryptionCodec.from_settings(settings_with(f"old:{old_key}"))
    [written_long_ago] = await before.encode([json_payload(PII)])

    after = EncryptionCodec.from_settings(settings_with(f"new:{new},old:{old_key}"))
    [written_now] = await after.encode([json_payload(PII)])
    assert written_now.metadata[KEY_ID_META] == b"new"  # the first key encrypts
    opened = await after.decode([written_long_ago, written_now])
    assert [json.loads(p.data) for p in opened] == [PII, PII]


async def test_selected_key_id_encrypts() -> None:
    codec = EncryptionCodec.from_settings(settings_with(f"a:{new_key()},b:{new_key()}", key_id="b"))
    [sealed] = await codec.encode([json_payload(PII)])
    assert sealed.metadata[KEY_ID_META] == b"b"


async def test_unknown_key_id_is_a_clear_error() -> None:
    retired = EncryptionCodec.from_settings(settings_with(f"retired:{new_key()}"))
    [sealed] = await retired.encode([json_payload(PII)])
    current = EncryptionCodec.from_settings(settings_with(f"current:{new_key()}"))
    with pytest.raises(UnknownKeyError, match=r"'retired'.*current"):
        await current.decode([sealed])


async def test_same_id_with_another_key_or_tampering_fails_to_decrypt() -> None:
    one = EncryptionCodec.from_settings(settings_with(f"k:{new_key()}"))
    other = EncryptionCodec.from_settings(settings_with(f"k:{new_key()}"))
    [sealed] = await one.encode([json_payload(PII)])
    with pytest.raises(CodecError, match="does not decrypt with key 'k'"):
        await other.decode([sealed])
    tampered = Payload()
    tampered.CopyFrom(sealed)
    tampered.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(CodecError):
        await one.decode([tampered])


async def test_plaintext_payloads_from_before_encryption_pass_through() -> None:
    codec = EncryptionCodec.from_settings(settings_with(f"k:{new_key()}"))
    plain = json_payload({"employee_id": "42"})
    assert await codec.decode([plain]) == [plain]


async def test_data_converter_round_trips_pydantic_models_through_the_codec() -> None:
    from contracts.employee import HrChanged

    converter = data_converter(EncryptionCodec.from_settings(settings_with(f"k:{new_key()}")))
    change = HrChanged(employee_id="42", source="webhook")
    [encoded] = await converter.encode([change])
    assert encoded.metadata["encoding"] == ENCODING
    [decoded] = await converter.decode([encoded], [HrChanged])
    assert decoded == change


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no keys"),
        ("nokeyhere", "entry 1 is not key-id:base64-key"),
        ("k:not base64!!", "key 'k' is not valid base64"),
        (f"k:{base64.b64encode(b'short').decode()}", "key 'k' is 5 bytes"),
        (f"k:{new_key()},k:{new_key()}", "key id 'k' appears twice"),
    ],
)
def test_bad_key_lists_name_the_problem_without_the_key(text: str, problem: str) -> None:
    with pytest.raises(SettingsError) as err:
        parse_keys(text)
    message = str(err.value)
    assert problem in message
    assert "LIFECYCLE_ENCRYPTION_KEYS" in message
    for part in text.split(","):
        secret = part.partition(":")[2]
        if len(secret) > 8:
            assert secret not in message


def test_selected_key_id_must_exist() -> None:
    with pytest.raises(SettingsError, match="LIFECYCLE_ENCRYPTION_KEY_ID: 'zz'"):
        EncryptionCodec.from_settings(settings_with(f"k:{new_key()}", key_id="zz"))


def test_repr_shows_key_ids_only() -> None:
    key = new_key()
    codec = EncryptionCodec.from_settings(settings_with(f"k:{key}"))
    assert key not in repr(codec) and "'k'" in repr(codec)


async def test_failure_messages_and_stack_traces_are_encrypted_too() -> None:
    from temporalio.api.failure.v1 import Failure
    from temporalio.exceptions import ApplicationError

    converter = data_converter(EncryptionCodec.from_settings(settings_with(f"k:{new_key()}")))
    failure = Failure()
    error = ApplicationError("no Okta user with login avel.testorsson@acme.example")
    await converter.encode_failure(error, failure)
    raw = failure.SerializeToString()
    assert b"avel.testorsson" not in raw
    assert failure.encoded_attributes.metadata["encoding"] == ENCODING
    decoded = await converter.decode_failure(failure)
    assert "avel.testorsson@acme.example" in str(decoded)
