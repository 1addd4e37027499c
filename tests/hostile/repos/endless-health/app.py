"""Answers GET /health 200 with a body that never ends, as fast as it can: a readiness
probe that reads the whole reply would hold it all in memory (and leave a reader behind
at each retry). /ping answers pong."""
import os
import socket
import threading

CHUNK = b"h" * 2**20


def serve(conn):
    try:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            if data.startswith(b"GET /ping "):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npong")
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % 10**13)
            for _ in range(10**7):  # ten terabytes
                conn.sendall(CHUNK)
    except OSError:
        pass


srv = socket.create_server(("0.0.0.0", int(os.environ["PORT"])))
print("endless-health: listening", flush=True)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
