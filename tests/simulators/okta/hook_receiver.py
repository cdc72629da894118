"""A tiny event-hook receiver for the Okta simulator tests: a threaded http.server on a free
loopback port that answers Okta's verification challenge and records each delivery.

    with HookReceiver() as receiver:          # receiver.url
        receiver.post_statuses = [500]       # answers to deliveries, in turn (then 200)
        receiver.wrong_challenge = True      # answer verification with another value
        receiver.wait_for(lambda r: len(r.deliveries) >= 1)
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHALLENGE = "X-Okta-Verification-Challenge"


class HookReceiver:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.verifications: list[dict[str, str]] = []  # headers of each GET
        self.deliveries: list[dict[str, Any]] = []  # {"headers", "body", "status"}
        self.post_statuses: list[int] = []
        self.wrong_challenge = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any] | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                headers = dict(self.headers.items())
                challenge = self.headers.get(CHALLENGE, "")
                with receiver.lock:
                    receiver.verifications.append(headers)
                    wrong = receiver.wrong_challenge
                self._send(200, {"verification": "not-the-challenge" if wrong else challenge})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                with receiver.lock:
                    status = receiver.post_statuses.pop(0) if receiver.post_statuses else 200
                    receiver.deliveries.append(
                        {"headers": dict(self.headers.items()), "body": body, "status": status}
                    )
                self._send(status, None)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/okta/events"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> HookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.server.shutdown()
            self._thread.join(5)
        self.server.server_close()

    def events(self) -> list[dict[str, Any]]:
        """Every event delivered with a 2xx answer, in order of arrival."""
        with self.lock:
            return [
                e for d in self.deliveries if d["status"] < 300 for e in d["body"]["data"]["events"]
            ]

    def wait_for(self, condition: Callable[[HookReceiver], bool], timeout: float = 15.0) -> None:
        wait_until(lambda: condition(self), timeout, "the receiver never saw it")


def wait_until(condition: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    """Poll (briefly) until `condition()`; fail after a generous deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {what}")
        time.sleep(0.01)
