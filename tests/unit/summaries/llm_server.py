"""A small local server speaking the chat-completions API, for the LLM backend tests.

The model name picks its behaviour: "good", "fenced", "error", "garbage", "slow", "short".
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANSWER = {
    "summary": "OpenAI wants to raise up to $50bn. Amazon is cutting jobs.",
    "in_brief": ["OpenAI seeks $50bn", "Amazon cuts 14,000 jobs"],
}


class Recorder:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            recorder.requests.append(
                {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
            )
            model = body.get("model")
            if self.path != "/v1/chat/completions":
                return self._send(404, {"error": {"message": "not found"}})
            if model == "error":
                return self._send(500, {"error": {"message": "boom"}})
            if model == "slow":
                time.sleep(1.5)
            content: str
            if model == "garbage":
                content = "Sure! Here is a summary: it is about money."
            elif model == "short":
                content = json.dumps({"summary": "Too short.", "in_brief": ["one"]})
            elif model == "fenced":
                content = "```json\n" + json.dumps(ANSWER) + "\n```"
            else:
                content = json.dumps(ANSWER)
            return self._send(
                200,
                {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                },
            )

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

    return Handler


@contextmanager
def running_server() -> Iterator[tuple[str, Recorder]]:
    """Start the server on a free loopback port; yields its /v1 base URL and a request log."""
    recorder = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
