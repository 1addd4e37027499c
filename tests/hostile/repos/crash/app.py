"""Serves the first request of the contract tests, crashes on the second, and from then on
cannot start again (it left a mark in its own filesystem, which a restart keeps)."""
import http.server
import os

MARK = "/tmp/crashed-once"
if os.path.exists(MARK):
    print("crash: found the mark of the last crash; refusing to start", flush=True)
    raise SystemExit(3)
seen = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        global seen
        if self.path.startswith("/work/"):
            seen += 1
            if seen == 2:
                print("crash: dying in the middle of the tests", flush=True)
                open(MARK, "w").close()
                os._exit(3)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


http.server.HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
