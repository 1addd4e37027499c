"""A RESP server that answers PING (readiness), SET and the plainest GET (a key set once,
or never), so the requirements that need set-get are graded, and lies in every other reply:
GET of a key set twice announces a 2 GB bulk string and sends endless data, DEL/EXISTS announce 2 billion
array elements and send endless integers, INCR/DECR send a line that never ends, and
anything else (ECHO …) sends `+OK` with no CRLF, then nothing."""
import os
import socket
import threading

CHUNK = b"x" * 2**16
INTS = b":1\r\n" * 2**14


def endless(conn, head, body):
    conn.sendall(head)
    while True:
        conn.sendall(body)


STORE = {}  # key -> (value, times set)


def serve(conn):
    try:
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                raw = data.split(b"\r\n")
                words = data.upper().split(b"\r\n")
                command = words[2] if len(words) > 2 else words[0]
                key = raw[4] if len(raw) > 4 else b""
                if command == b"PING":
                    conn.sendall(b"+PONG\r\n")
                elif command == b"SET":
                    value = raw[6] if len(raw) > 6 else b""
                    STORE[key] = (value, STORE.get(key, (b"", 0))[1] + 1)
                    conn.sendall(b"+OK\r\n")
                elif command == b"GET" and STORE.get(key, (b"", 1))[1] == 1:
                    value = STORE[key][0] if key in STORE else None
                    conn.sendall(b"$-1\r\n" if value is None
                                 else b"$%d\r\n%s\r\n" % (len(value), value))
                elif command == b"GET":
                    endless(conn, b"$2000000000\r\n", CHUNK)
                elif command in (b"DEL", b"EXISTS"):
                    endless(conn, b"*2000000000\r\n", INTS)
                elif command in (b"INCR", b"DECR", b"INCRBY", b"DECRBY"):
                    endless(conn, b"+", CHUNK)
                else:
                    conn.sendall(b"+OK")  # and never the CRLF
    except OSError:
        pass


srv = socket.create_server(("0.0.0.0", int(os.environ.get("PORT", "6379"))))
print("resp: listening", flush=True)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
