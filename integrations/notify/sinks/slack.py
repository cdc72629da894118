"""Slack-compatible incoming webhook: `{"text": ..., "blocks": [...]}`.

The webhook URL is the credential: it is registered for scrubbing (errors and the HTTP
libraries' log records) as soon as the sink exists. `text` carries the whole message in
mrkdwn so Slack-compatible services that ignore Block Kit (Mattermost, Rocket.Chat) still
show everything; Slack uses it for the notification preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import SecretStr

from integrations.notify.redact import register_secrets
from integrations.notify.sinks.base import split_audiences
from integrations.notify.sinks.http import post_json
from integrations.notify.templates import Message


class SlackSink:
    name = "slack"

    def __init__(
        self,
        url: SecretStr | str,
        *,
        timeout: float = 10.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._url = url if isinstance(url, SecretStr) else SecretStr(url)
        register_secrets(self._url.get_secret_value())
        self._timeout = timeout
        self._client = client

    def __repr__(self) -> str:
        return "SlackSink(url=SecretStr('**********'))"

    async def send(self, message: Message, audiences: Sequence[str]) -> None:
        blocks: list[dict[str, Any]] = list(message.blocks)
        roles, addresses = split_audiences(audiences)
        # A channel is shared: name the audiences, never the individual addresses.
        audience_text = ", ".join(roles + ([f"{len(addresses)} direct"] if addresses else []))
        if audience_text:
            blocks.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": f"For: {audience_text}"}],
                }
            )
        payload: dict[str, Any] = {
            "text": message.markdown,
            "blocks": blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        await post_json(
            self._url.get_secret_value(), payload, time_limit=self._timeout, client=self._client
        )
