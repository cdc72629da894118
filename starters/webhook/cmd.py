"""`lifecycle webhook`: serve the BambooHR webhook receiver."""

from __future__ import annotations

import argparse
import asyncio

from lifecycle.settings import load_settings
from starters.logs import configure_logging


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("webhook", help="serve the BambooHR webhook receiver")
    parser.add_argument("--host", help="override LIFECYCLE_WEBHOOK_HOST")
    parser.add_argument("--port", type=int, help="override LIFECYCLE_WEBHOOK_PORT")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings().require("temporal", "webhook")
    configure_logging(settings)
    host = args.host or settings.lifecycle_webhook_host
    port = args.port or settings.lifecycle_webhook_port
    asyncio.run(_serve(settings, host, port))
    return 0


async def _serve(settings, host: str, port: int) -> None:
    import uvicorn

    from integrations.serving import check_port_free, uvicorn_config
    from starters.webhook.app import create_webhook_app
    from workers.connect import connect

    check_port_free(host, port, "the webhook receiver")
    client = await connect(settings)
    app = create_webhook_app(settings, client)
    await uvicorn.Server(uvicorn_config(app, host, port, log_level="info")).serve()
