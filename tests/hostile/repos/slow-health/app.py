"""Answers even its health check one byte every half second, for ever: a readiness probe
with only a per-read timeout would wait for ever; the boot deadline must still hold."""
import os
import socket
import threading
import time


def dribble(conn):
    try:
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(100_000):
            conn.sendall(b"z")
            time.sleep(0.5)
    except OSError:
        pass


srv = socket.create_server(("0.0.0.0", int(os.environ["PORT"])))
print("slow-health: listening, answering one byte at a time", flush=True)
while True:
    c, _ = srv.accept()
    threading.Thread(target=dribble, args=(c,), daemon=True).start()
