"""Boots fine, then allocates memory without end when asked: the memory limit must hold."""
import http.server
import os


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/ping":
            print("memhog: allocating without end", flush=True)
            hoard = []
            while True:
                hoard.append(b"x" * (8 * 2**20))  # written, so the pages are really used
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


http.server.HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
