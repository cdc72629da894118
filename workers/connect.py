"""Connecting to Temporal the same way everywhere (worker, CLI, webhook receiver, tests):
the pydantic data converter (plus the encryption codec when configured), TLS or API key for
Temporal Cloud, the OpenTelemetry tracing interceptor when LIFECYCLE_OTEL_EXPORTER is on,
and the project's search attributes."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client, Interceptor, TLSConfig
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)
from temporalio.service import RPCError

from lifecycle.settings import Settings
from workflows import search_attributes

log = logging.getLogger(__name__)


def data_converter(codec: PayloadCodec | None = None) -> DataConverter:
    if codec is None:
        return pydantic_data_converter
    # With encryption on, failure messages and stack traces go through the codec too: an
    # error text may quote a login or a name (e.g. an Okta 404 for a user looked up by login).
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def payload_codec(settings: Settings) -> PayloadCodec | None:
    """The AES-GCM codec when LIFECYCLE_ENCRYPTION_KEYS is set (employee PII in history)."""
    if settings.lifecycle_encryption_keys is None:
        return None
    from workers.codec import EncryptionCodec

    return EncryptionCodec.from_settings(settings)


def tls_config(settings: Settings) -> TLSConfig | bool:
    cert, key, ca = (
        settings.temporal_tls_cert_path,
        settings.temporal_tls_key_path,
        settings.temporal_tls_ca_path,
    )
    if cert and key:
        return TLSConfig(
            client_cert=cert.read_bytes(),
            client_private_key=key.read_bytes(),
            server_root_ca_cert=ca.read_bytes() if ca else None,
        )
    # An API key (Temporal Cloud) always travels over TLS.
    return settings.temporal_api_key is not None


async def connect(
    settings: Settings,
    *,
    interceptors: Sequence[Interceptor] = (),
    runtime: Any = None,
    tracing: bool = True,
) -> Client:
    """A client as the settings describe. With tracing on (LIFECYCLE_OTEL_EXPORTER not
    `none`) the process-wide tracer is set up and the tracing interceptor added, unless the
    caller brought its own; a worker built on this client inherits the interceptor."""
    settings.require("temporal")
    kwargs: dict[str, Any] = {}
    if runtime is not None:
        kwargs["runtime"] = runtime
    interceptors = list(interceptors)
    if tracing and settings.lifecycle_otel_exporter != "none":
        from workers.telemetry import has_tracing, setup_tracing, tracing_interceptor

        provider = setup_tracing(settings)
        if provider is not None and not has_tracing(interceptors):
            interceptors.append(tracing_interceptor(provider))
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        api_key=(
            settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
        ),
        tls=tls_config(settings),
        data_converter=data_converter(payload_codec(settings)),
        interceptors=interceptors,
        **kwargs,
    )


async def ensure_search_attributes(client: Client) -> list[str]:
    """Register missing custom search attributes; returns the names added.

    Self-hosted clusters and the dev server accept this through the operator service; on
    Temporal Cloud attributes are managed with `tcld`, so a permission error is only logged.
    """
    kinds = {
        "KEYWORD": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        "DATETIME": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
        "TEXT": IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
        "INT": IndexedValueType.INDEXED_VALUE_TYPE_INT,
    }
    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace)
        )
        missing = {
            key.name: kinds[key.indexed_value_type.name]
            for key in search_attributes.ALL
            if key.name not in existing.custom_attributes
        }
        if missing:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
            )
        return sorted(missing)
    except RPCError as exc:
        log.warning("could not register search attributes (%s); register them by hand", exc)
        return []
