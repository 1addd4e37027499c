"""A small web service deployed on Kubernetes: its settings come from the environment
(a ConfigMap and a Secret), it answers its probes, and it writes only to /tmp."""

import json
import os
import tempfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "8080"))
GREETING = os.environ.get("GREETING", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
API_TOKEN = os.environ.get("API_TOKEN", "")

# The one file the app writes, in /tmp (an emptyDir: the root filesystem is read-only).
STATE = os.path.join(tempfile.gettempdir(), "hello-started")
with open(STATE, "w") as f:
    f.write("started\n")


def configured() -> bool:
    """Ready only with every setting: a pod without its ConfigMap or Secret gets no traffic."""
    return bool(GREETING and DATABASE_URL and API_TOKEN)


class Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        if self.path == "/healthz":
            self._send(200, {"status": "alive"})
        elif self.path == "/readyz":
            if configured():
                self._send(200, {"status": "ready"})
            else:
                self._send(503, {"status": "not configured"})
        elif self.path == "/":
            self._send(200, {"greeting": GREETING})
        else:
            self._send(404, {"detail": "not found"})

    def log_message(self, fmt: str, *args: object) -> None:
        pass  # probes every few seconds would flood the log


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
