"""`lifecycle codec-server` (serve the payload codec for the Web UI) and `lifecycle codec-key`
(print a new key entry for LIFECYCLE_ENCRYPTION_KEYS)."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from datetime import UTC, datetime

from lifecycle.settings import load_settings
from starters.logs import configure_logging


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "codec-server",
        help="serve /encode and /decode so the Temporal UI can show encrypted payloads",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind (default 127.0.0.1; 0.0.0.0 in a container behind the UI, "
        "which requires LIFECYCLE_CODEC_TOKEN)",
    )
    parser.add_argument("--port", type=int, help="override LIFECYCLE_CODEC_PORT")
    parser.set_defaults(handler=run)

    key = sub.add_parser(
        "codec-key", help="print a new AES-256 key entry (id:base64) for LIFECYCLE_ENCRYPTION_KEYS"
    )
    key.add_argument("--id", help="key id (default: k<YYYYMMDD>)")
    key.set_defaults(handler=new_key_entry)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from integrations.serving import check_port_free, uvicorn_config
    from starters.codec_server import create_codec_app

    settings = load_settings().require("codec")
    configure_logging(settings)
    if not is_loopback(args.host) and settings.lifecycle_codec_token is None:
        # Decoded payloads are employee PII: anything that can reach a non-loopback
        # interface must prove it may read them.
        print(
            f"error: LIFECYCLE_CODEC_TOKEN: required when the codec server binds {args.host} "
            "(anything but loopback); generate one with `python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'`",
            file=sys.stderr,
        )
        return 2
    app = create_codec_app(settings)
    port = args.port or settings.lifecycle_codec_port
    check_port_free(args.host, port, "the codec server")
    # log_config=None: uvicorn's lines go through our (JSON, redacting) handler too.
    uvicorn.Server(uvicorn_config(app, args.host, port, log_level="info", log_config=None)).run()
    return 0


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def new_key_entry(args: argparse.Namespace) -> int:
    from workers.codec import new_key

    kid = args.id or datetime.now(UTC).strftime("k%Y%m%d")
    if not kid.replace("-", "").replace("_", "").isalnum():
        print("error: --id may hold letters, digits, '-' and '_' only", file=sys.stderr)
        return 2
    # Printed on purpose: the operator pastes it into the secret store / .env.
    print(f"{kid}:{new_key()}")
    return 0
