"""Answers /ping with a body that never ends, as fast as it can: kata must stop reading
at its cap rather than hold the whole body in memory."""
import http.server
import os

CHUNK = b"\0" * 2**20


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            return
        self.send_response(200)
        self.send_header("Content-Length", str(10**12))
        self.end_headers()
        try:
            for _ in range(10**6):  # a terabyte
                self.wfile.write(CHUNK)
        except OSError:
            pass

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
