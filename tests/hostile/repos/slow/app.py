"""A slow but honest app, for the interrupt tests: it takes a few seconds to boot (long
enough to interrupt kata while it waits) and each /work request takes seconds."""
import http.server
import os
import time

print("slow: warming up", flush=True)
time.sleep(float(os.environ.get("SLOW_BOOT_S", "4")))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/work/"):
            time.sleep(float(os.environ.get("SLOW_WORK_S", "5")))
        body = b"pong" if self.path == "/ping" else b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


print("slow: listening", flush=True)
http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
