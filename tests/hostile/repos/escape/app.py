"""Tries to get out: the Docker socket, capabilities, privilege, the host's files and
kernel knobs, and the network. GET /report says what it managed; GET /dial tries one
TCP connection to the address it is given."""
import ctypes
import errno
import http.server
import json
import os
import socket
import urllib.parse

MARKER = os.environ.get("MARKER", "kata-hostile-marker")


def status_field(name):
    for line in open("/proc/self/status"):
        if line.startswith(name + ":"):
            return line.split()[1]
    return ""


def attempt(fn):
    """1 when the hostile action succeeded, 0 when the sandbox refused it."""
    try:
        fn()
        return 1
    except Exception:
        return 0


def write(path, text="x"):
    with open(path, "w") as f:
        f.write(text)


def mount_tmpfs():
    libc = ctypes.CDLL(None, use_errno=True)
    os.makedirs("/mnt/k", exist_ok=True)
    if libc.mount(b"none", b"/mnt/k", b"tmpfs", 0, None) != 0:
        raise OSError(ctypes.get_errno(), "mount")


def in_child(fn):
    """Run fn in a forked child: a uid change there leaves this server root for the rest."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            fn()
        except Exception:
            code = 1
        os._exit(code)
    return os.waitpid(pid, 0)[1] == 0


def drop_root():
    os.setgroups([])
    os.setgid(4242)
    os.setuid(4242)
    assert os.getuid() == 4242


def open_by_handle():
    """The "shocker" escape: name_to_handle_at + open_by_handle_at need DAC_READ_SEARCH."""
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(8 + 128)
    ctypes.memmove(buf, (128).to_bytes(4, "little"), 4)
    mount_id = ctypes.c_int()
    if libc.name_to_handle_at(-100, b"/etc/hostname", buf, ctypes.byref(mount_id), 0) != 0:
        raise OSError(ctypes.get_errno(), "name_to_handle_at")
    # /etc/hostname is bound from the host's own filesystem: a handle opened through it
    # could name any file there (the host's root directory is inode 2)
    fd = libc.open_by_handle_at(os.open("/etc/hostname", os.O_RDONLY), buf, os.O_RDONLY)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "open_by_handle_at")


def docker_api():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(2)
    s.connect("/var/run/docker.sock")


def report():
    sock_paths = ["/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock"]
    return {
        "uid": os.getuid(),
        "docker_sock": int(any(os.path.exists(p) for p in sock_paths)),
        "docker_api": attempt(docker_api),
        "cap_eff": int(status_field("CapEff") or "1", 16),
        "cap_bnd": int(status_field("CapBnd") or "1", 16),
        "no_new_privs": int(status_field("NoNewPrivs") or "0"),
        # dropping root is what an image that starts as root may do (in a child: this server
        # stays root for the attempts below)
        "setuid": int(in_child(drop_root)),
        "open_by_handle": attempt(open_by_handle),
        "chown": attempt(lambda: (write("/tmp/c"), os.chown("/tmp/c", 4242, 4242))),
        "mount": attempt(mount_tmpfs),
        "mknod": attempt(lambda: os.mknod("/tmp/blk", 0o600 | 0o060000, os.makedev(8, 0))),
        "raw_socket": attempt(lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 1)),
        "sysrq": attempt(lambda: write("/proc/sysrq-trigger", "h")),
        "proc_sys": attempt(lambda: write("/proc/sys/kernel/hostname", "pwned")),
        "sys_write": attempt(lambda: write("/sys/kernel/uevent_helper", "/x")),
        "host_disk": int(any(os.path.exists(p) for p in ("/dev/sda", "/dev/vda", "/dev/mem"))),
        # inside its own layer these succeed; the test checks the host never sees them
        "etc_marker": attempt(lambda: write(f"/etc/{MARKER}", MARKER)),
        "root_marker": attempt(lambda: write(f"/proc/1/root/{MARKER}", MARKER)),
    }


def dial(host, port):
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return {"connected": True, "error": ""}
    except OSError as e:
        return {"connected": False, "error": errno.errorcode.get(e.errno or 0, type(e).__name__)}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/report":
            out = report()
        elif url.path == "/dial":
            out = dial(q["host"], q["port"])
        elif url.path in ("/health", "/ping"):
            out = "pong"
        else:
            self.send_error(404)
            return
        body = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
