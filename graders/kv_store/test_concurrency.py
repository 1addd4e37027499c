"""Many clients at once: 50 connected together, a stalled client and a vanishing one —
none may hold up or disturb the others. Only SET and GET are used (the plainest form of
set-get, which concurrency needs): INCR's atomicity is graded under keys-counters."""

import socket
import struct
import threading
import time
from collections.abc import Callable

from kata.testing import GradedApp, requirement

from ._resp import Conn, encode, shown
from .conftest import redis_client

Key = Callable[[str], str]
CLIENTS = 50
ROUNDS = 20
WAIT_S = 20.0


@requirement("concurrency")
def test_fifty_clients_connected_at_once(app: GradedApp, key: Key):
    together = threading.Barrier(CLIENTS, timeout=WAIT_S)
    finished = threading.Barrier(CLIENTS, timeout=WAIT_S)
    problems: list[str] = []

    def client(n: int) -> None:
        r = redis_client(app)
        own = key(f"client:{n}")
        try:
            r.get(own)  # connected and answered
            together.wait()  # all 50 are connected now
            for i in range(ROUNDS):
                r.set(own, f"{n}:{i}")
                got = r.get(own)
                if got != f"{n}:{i}".encode():
                    problems.append(f"client {n}: `GET {own}` → {got!r} right after "
                                    f"`SET {own} {n}:{i}`")
                    break
            finished.wait()  # nobody disconnects before everyone is done
        except threading.BrokenBarrierError:
            pass  # another client failed (or waited too long): reported by that client
        except Exception as e:  # each client's failure is reported below
            problems.append(f"client {n}: {type(e).__name__}: {e}")
            together.abort()
            finished.abort()
        finally:
            r.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=2 * WAIT_S + 10)
    if problems or together.broken or finished.broken:
        first = problems[0] if problems else f"no answer within {WAIT_S:g} s"
        raise AssertionError(
            f"{CLIENTS} clients connected at the same time, each doing SET/GET, were not "
            f"all answered (e.g. {first}). Serve every connection concurrently (an asyncio "
            "task or a thread per client), not one after another")


@requirement("concurrency")
def test_a_stalled_client_does_not_block_the_others(app: GradedApp, key: Key):
    whole = encode("SET", key("stalled"), "from the slow client")
    with Conn(app) as stalled:
        stalled.send(whole[:9])  # half a command, then silence
        time.sleep(0.2)
        with Conn(app, timeout_s=3) as other:
            missing = key("missing")
            reply = other.call("GET", missing)
            assert reply is None, (
                "while another client had sent half a command and paused, "
                f"`GET {missing}` from a second client → {shown(reply)}; expected nil at once: "
                "never wait on one client's socket while others are waiting")
        # (finishing the stalled command is framing, graded under pipelining)


@requirement("concurrency")
def test_a_client_vanishing_mid_command_does_not_disturb_the_others(app: GradedApp, key: Key):
    k = key("steady")
    with Conn(app) as steady:
        assert steady.call("SET", k, "still here") == "OK", f"`SET {k} …` was not answered OK"
        gone = socket.create_connection((app.host, app.port), timeout=5)
        gone.sendall(encode("SET", key("gone"), "x" * 100)[:30])
        # close with a reset (SO_LINGER 0), as a crashed client or a dropped network would
        gone.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        gone.close()
        time.sleep(0.2)
        reply = steady.call("GET", k)
        assert reply == b"still here", (
            f"after another client reset its connection mid-command, `GET {k}` on this one → "
            f"{shown(reply)}, expected \"still here\"")
    with Conn(app, timeout_s=3) as fresh:
        reply = fresh.call("GET", k)
        assert reply == b"still here", (
            f"after a client reset its connection mid-command, a new client's `GET {k}` → "
            f"{shown(reply)}")
