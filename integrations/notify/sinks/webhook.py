"""Generic JSON webhook: `{event, subject, text, data, audiences}` POSTed to one URL."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from integrations.notify.sinks.http import post_json
from integrations.notify.templates import Message


class WebhookSink:
    name = "webhook"

    def __init__(
        self, url: str, *, timeout: float = 10.0, client: httpx.AsyncClient | None = None
    ) -> None:
        self._url = url
        self._timeout = timeout
        self._client = client

    async def send(self, message: Message, audiences: Sequence[str]) -> None:
        payload = {
            "event": message.event,
            "subject": message.subject,
            "text": message.text,
            "data": message.data,
            "audiences": list(audiences),
        }
        await post_json(self._url, payload, time_limit=self._timeout, client=self._client)
