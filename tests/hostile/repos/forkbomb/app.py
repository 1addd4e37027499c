"""A fork bomb: every process forks for ever; the pids limit must hold it."""
import http.server
import os
import time


def bomb():
    while True:  # hostile on purpose: the container's pids limit is what stops it
        try:
            os.fork()
        except OSError:
            time.sleep(0.05)


if os.fork() == 0:
    bomb()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"pong" if self.path == "/ping" else b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


print("forkbomb: bomb started, serving", flush=True)
# Single-threaded on purpose: it needs no new thread per request while the bomb holds
# every pid the container may have.
http.server.HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
