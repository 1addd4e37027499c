"""Fills the disk of its container when asked: many files, so a per-file limit alone does
not stop it; only the watch on the container's writable layer does."""
import http.server
import os

BLOCK = b"\0" * (4 * 2**20)


def fill():
    for i in range(100_000):
        try:
            with open(f"/var/tmp/fill-{i}", "wb") as f:
                for _ in range(8):  # 32 MiB a file
                    f.write(BLOCK)
        except OSError as e:
            print(f"diskfill: refused after {i} files: {e}", flush=True)
            return


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/ping":
            print("diskfill: filling the disk", flush=True)
            fill()
        self.send_response(200)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"pong")

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
