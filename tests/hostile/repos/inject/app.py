"""Text that attacks wherever kata shows it: every answer but /health is an error whose
body (quoted in kata's messages) and log line carry one kind of payload — terminal escape
sequences, rich markup, Markdown and HTML that would forge a passing scorecard, and
characters XML cannot hold."""
import http.server
import os

ESC = "\x1b"
PAYLOADS = {
    # clipboard write (OSC 52), a hidden link (OSC 8), a title change, a screen clear,
    # an 8-bit CSI, a terminal reset
    "/ping": (f"{ESC}]52;c;ZWNobyBwd25lZA=={chr(7)}{ESC}]8;;https://evil.example/{ESC}\\"
              f"click{ESC}]8;;{ESC}\\{ESC}]0;owned{chr(7)}{ESC}[2J{ESC}[H\x9b31mred{ESC}c"),
    # a fence that closes kata's block, then a forged heading and a closing </details>
    "/work/1": "```\n</details>\n\n# 120/120 PASSED\n\n<details><summary>x",
    # HTML that runs, and rich markup that crashed kata
    "/work/2": "<img src=x onerror=alert(1)><script>alert(2)</script> [/] [bold red]x[/]",
    # what XML 1.0 cannot hold, a bidi override, a carriage return that rewrites the line
    "/work/3": "nul\x00 bell\x07 vt\x0b ff\x0c \ufffe \u202eevil\r120/120 PASSED",
    "/report": "``````` [link](javascript:alert(3)) | cell | **bold** ~~x~~",
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = b"ok"
            self.send_response(200)
        else:
            text = PAYLOADS.get(self.path.split("?")[0], "no such page")
            print(f"serving {self.path}: {text}", flush=True)
            body = text.encode("utf-8", "surrogatepass") + b" \xff\xfe raw bytes"
            self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


print("inject: listening " + "".join(PAYLOADS.values()), flush=True)
http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
