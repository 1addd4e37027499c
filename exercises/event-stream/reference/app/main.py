"""event-stream reference: consume the topic's keyed events, record each once, answer what
was processed over HTTP.

Exactly once as observed = at-least-once delivery + an idempotent write:
- one consumer, one thread, messages processed in the order poll hands them out (Kafka
  keeps each partition's order, and every event of a key is in one partition);
- a polled batch is written to PostgreSQL in one transaction, each event inserted with
  ON CONFLICT (id) DO NOTHING, so a redelivered or re-sent event is recorded once;
- only then are the batch's offsets committed (enable.auto.commit off). A crash between
  the write and the commit redelivers the batch, and the unique id absorbs it.
No SIGTERM handling is needed for correctness: killed at any point, the app loses nothing
(the offsets trail the writes) and doubles nothing (the id is unique).
"""
from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import psycopg
from confluent_kafka import Consumer, KafkaError

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")
TOPIC = os.environ.get("KAFKA_TOPIC", "events")
GROUP = os.environ.get("KAFKA_GROUP_ID", "event-processor")
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://localhost/postgres")
PORT = int(os.environ.get("PORT", "8000"))
BATCH = 500
LIST_CAP = 1000

SCHEMA = """
CREATE TABLE IF NOT EXISTS processed (
    n      BIGSERIAL PRIMARY KEY,          -- processing order
    id     TEXT NOT NULL UNIQUE,           -- the event id: a second copy is ignored
    key    TEXT NOT NULL,
    seq    BIGINT NOT NULL,
    amount BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS processed_key_n ON processed (key, n);
"""
INSERT = ("INSERT INTO processed (id, key, seq, amount) VALUES (%s, %s, %s, %s) "
          "ON CONFLICT (id) DO NOTHING")


def connect() -> psycopg.Connection:
    for attempt in range(60):
        try:
            return psycopg.connect(DATABASE_URL, connect_timeout=3)
        except psycopg.OperationalError:
            if attempt == 59:
                raise
            time.sleep(1)
    raise RuntimeError("unreachable")


def parse(value: bytes | None) -> tuple[str, str, int, int] | None:
    try:
        event = json.loads(value or b"")
        return (str(event["id"]), str(event["key"]), int(event["seq"]),
                int(event.get("amount", 0)))
    except (ValueError, KeyError, TypeError):
        return None  # not an event: skipped (and committed past)


def consume() -> None:
    db = connect()
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": GROUP,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        # A restarted app rejoins once its dead predecessor's session expires: keep it short.
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 1500,
    })
    consumer.subscribe([TOPIC])
    while True:
        messages = consumer.consume(BATCH, timeout=1.0)
        if not messages:
            continue
        rows = []
        for m in messages:
            if m.error() is not None:
                if m.error().code() != KafkaError._PARTITION_EOF:
                    print(f"consumer error: {m.error()}", file=sys.stderr)
                continue
            row = parse(m.value())
            if row is not None:
                rows.append(row)
        with db.transaction():
            with db.cursor() as cur:
                cur.executemany(INSERT, rows)
        consumer.commit(asynchronous=False)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # no access log
        pass

    def answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/health":
            return self.answer(200, {"status": "ok"})
        if path == "/stats":
            with psycopg.connect(DATABASE_URL, connect_timeout=3) as db:
                (count,) = db.execute("SELECT count(*) FROM processed").fetchone()
            return self.answer(200, {"processed": count})
        m = re.fullmatch(r"/keys/([^/]+)", path)
        if m:
            key = unquote(m.group(1))
            with psycopg.connect(DATABASE_URL, connect_timeout=3) as db:
                rows = db.execute("SELECT id, seq FROM processed WHERE key = %s ORDER BY n "
                                  "LIMIT %s", (key, LIST_CAP)).fetchall()
                (count,) = db.execute("SELECT count(*) FROM processed WHERE key = %s",
                                      (key,)).fetchone()
            return self.answer(200, {"key": key, "count": count,
                                     "events": [{"id": i, "seq": s} for i, s in rows]})
        return self.answer(404, {"error": "not found"})


def main() -> None:
    with connect() as db:
        db.execute(SCHEMA)
        db.commit()
    threading.Thread(target=consume, name="consumer", daemon=True).start()
    ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()


if __name__ == "__main__":
    main()
