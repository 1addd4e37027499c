"""Answers kata's requests with what would fill its memory were it trusted: a gzip body of
1 MB that decodes to 1 GiB (GET /ping), a 1.6 KB brotli body that decodes to 1 GiB
(/work/1), a 100 MB header line (/work/2) and an endless flood of headers (/work/3). It
compresses whatever kata asks for, even `identity`."""
import os
import socket
import struct
import threading
import zlib

GIB = 2**30


def gzip_bomb():
    """1 GiB of zeros as gzip in a second: after a full flush each MiB of zeros compresses
    to the same bytes, so one block is repeated; then an empty final block and the trailer."""
    zeros = b"\0" * 2**20
    z = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    first = z.compress(zeros) + z.flush(zlib.Z_FULL_FLUSH)
    again = z.compress(zeros) + z.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(GIB // len(zeros)):
        crc = zlib.crc32(zeros, crc)
    return first + again * (GIB // len(zeros) - 1) + b"\x03\x00" + struct.pack("<II", crc, GIB)


GZIP = gzip_bomb()
BROTLI = open("/app/bomb.br", "rb").read()


def head(conn, *lines):
    conn.sendall(("HTTP/1.1 200 OK\r\n" + "".join(f"{x}\r\n" for x in lines)).encode())


def answer(conn, path):
    if path == "/health":
        head(conn, "Content-Length: 2", "")
        conn.sendall(b"ok")
    elif path == "/ping":
        head(conn, "Content-Encoding: gzip", f"Content-Length: {len(GZIP)}", "")
        conn.sendall(GZIP)
    elif path == "/work/1":
        head(conn, "Content-Encoding: br", f"Content-Length: {len(BROTLI)}", "")
        conn.sendall(BROTLI)
    elif path == "/work/2":
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Big: ")
        for _ in range(100):  # 100 MB on one header line
            conn.sendall(b"a" * 2**20)
        conn.sendall(b"\r\nContent-Length: 2\r\n\r\nok")
    elif path == "/work/3":
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        line = b"".join(b"X-H%d: v\r\n" % i for i in range(10_000))
        for _ in range(10_000):  # 100 million headers
            conn.sendall(line)
    else:
        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


def serve(conn):
    try:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            answer(conn, data.split(b" ", 2)[1].decode())
    except OSError:
        pass


srv = socket.create_server(("0.0.0.0", int(os.environ["PORT"])))
print(f"bombs: gzip {len(GZIP)} bytes, brotli {len(BROTLI)} bytes, listening", flush=True)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
