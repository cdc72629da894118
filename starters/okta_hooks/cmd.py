"""`lifecycle okta-hooks`: serve the Okta event hook receiver."""

from __future__ import annotations

import argparse
import asyncio

from lifecycle.settings import Settings, load_settings
from starters.logs import configure_logging


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "okta-hooks", help="serve the Okta event hook receiver (changes made in Okta by others)"
    )
    parser.add_argument("--host", help="override LIFECYCLE_OKTA_HOOKS_HOST")
    parser.add_argument("--port", type=int, help="override LIFECYCLE_OKTA_HOOKS_PORT")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings().require("temporal", "okta_hooks")
    settings.okta_hook_secret()
    configure_logging(settings)
    host = args.host or settings.lifecycle_okta_hooks_host
    port = args.port or settings.lifecycle_okta_hooks_port
    asyncio.run(_serve(settings, host, port))
    return 0


async def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from integrations.serving import check_port_free, uvicorn_config
    from starters.okta_hooks.app import create_okta_hooks_app
    from workers.connect import connect

    check_port_free(host, port, "the Okta event hook receiver")
    client = await connect(settings)
    app = create_okta_hooks_app(settings, client)
    await uvicorn.Server(uvicorn_config(app, host, port, log_level="info")).serve()
