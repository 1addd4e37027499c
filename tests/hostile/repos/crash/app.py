"""Serves the first request of the contract tests, then crashes on the second."""
import http.server
import os

seen = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global seen
        if self.path.startswith("/work/"):
            seen += 1
            if seen == 2:
                print("crash: segfault-like exit in the middle of the tests", flush=True)
                os._exit(3)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


http.server.HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
