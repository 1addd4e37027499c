"""Floods stdout with gigabytes while it serves; it answers /health only after the first
two GiB, so at least that much has gone through Docker's log before kata grades it."""
import http.server
import os
import sys
import threading

LINE = b"flood " * 10_000 + b"\n"  # 60 kB lines
CHUNK = LINE * 16
written = 0
two_gib = threading.Event()


def flood():
    global written
    out = sys.stdout.buffer
    while True:
        out.write(CHUNK)
        written += len(CHUNK)
        if written >= 2 * 2**30:
            two_gib.set()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if not two_gib.is_set():
            self.send_error(503)
            return
        body = b"pong" if self.path == "/ping" else b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


threading.Thread(target=flood, daemon=True).start()
http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
