#!/usr/bin/env python3
"""kata's producer and admin tool for the Kafka service (kata/kafka:1), run inside the
broker's container by the service's ready command and by graders (`exec`).

  kata-kafka ready --topic T --partitions P
      create the topic if it is missing; exit 0 once the broker lists it with P partitions
  kata-kafka produce --topic T --prefix X --keys K --per-key N [--seed S] [--dup-every D]
                     [--quiet]
      produce K*N keyed events, round-robin over the keys: key "X-k", per-key sequence
      numbers 0..N-1 in production order, event ids derived from the seed (so a run is
      reproducible and ids cannot be guessed); with --dup-every D, after every D-th event
      an earlier event of the same key is produced again unchanged (a redelivery). Prints
      one line per message sent, "id key seq" (or, --quiet, only the summary), then
      "sent <messages> in <seconds>".
Every message of one key goes to one partition (the key's hash), so the broker keeps each
key's order; the tool waits for every delivery report and exits 1 if any failed.
"""
import argparse
import hashlib
import json
import sys
import time

# confluent-kafka is installed in the image, not in kata's own environment.
from confluent_kafka import KafkaException, Producer  # type: ignore[import-not-found]
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[import-not-found]

BOOTSTRAP = "127.0.0.1:9092"


def ready(args: argparse.Namespace) -> int:
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP, "socket.timeout.ms": 3000})
    meta = admin.list_topics(timeout=3)
    if args.topic not in meta.topics:
        futures = admin.create_topics([NewTopic(args.topic, num_partitions=args.partitions,
                                                replication_factor=1)], request_timeout=5)
        for future in futures.values():
            try:
                future.result(5)
            except KafkaException as e:
                print(f"create {args.topic}: {e}", file=sys.stderr)
        meta = admin.list_topics(timeout=3)
    topic = meta.topics.get(args.topic)
    if topic is None or topic.error is not None or len(topic.partitions) != args.partitions:
        print(f"not ready: topic {args.topic!r} is {topic}", file=sys.stderr)
        return 1
    print(f"ready: {args.topic} with {len(topic.partitions)} partitions")
    return 0


def event_id(seed: str, prefix: str, key: int, seq: int) -> str:
    return hashlib.sha256(f"{seed}:{prefix}:{key}:{seq}".encode()).hexdigest()[:20]


def produce(args: argparse.Namespace) -> int:
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "linger.ms": 5,
                         "enable.idempotence": True, "queue.buffering.max.messages": 200000})
    failed: list[str] = []

    def report(err: object, _msg: object) -> None:
        if err is not None:
            failed.append(str(err))

    began = time.monotonic()
    sent = 0
    out = []
    for seq in range(args.per_key):
        for k in range(args.keys):
            key = f"{args.prefix}-{k}"
            events = [(event_id(args.seed, args.prefix, k, seq), key, seq)]
            n = seq * args.keys + k + 1
            if args.dup_every and n % args.dup_every == 0 and seq >= 1:
                back = seq - 1 - (n // args.dup_every) % seq if seq > 1 else 0
                events.append((event_id(args.seed, args.prefix, k, back), key, back))
            for eid, ekey, eseq in events:
                value = json.dumps({"id": eid, "key": ekey, "seq": eseq,
                                    "amount": int(eid[:4], 16) % 1000})
                while True:
                    try:
                        producer.produce(args.topic, key=ekey, value=value, on_delivery=report)
                        break
                    except BufferError:
                        producer.poll(0.1)
                sent += 1
                if not args.quiet:
                    out.append(f"{eid} {ekey} {eseq}")
            if sent % 1000 == 0:
                producer.poll(0)
    left = producer.flush(60)
    seconds = time.monotonic() - began
    if out:
        print("\n".join(out))
    print(f"sent {sent} in {seconds:.3f}")
    if left or failed:
        print(f"{left} undelivered, {len(failed)} failed: {failed[:3]}", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="kata-kafka")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ready")
    p.add_argument("--topic", required=True)
    p.add_argument("--partitions", type=int, default=3)
    p = sub.add_parser("produce")
    p.add_argument("--topic", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--keys", type=int, required=True)
    p.add_argument("--per-key", type=int, required=True)
    p.add_argument("--seed", default="0")
    p.add_argument("--dup-every", type=int, default=0)
    p.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    return {"ready": ready, "produce": produce}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
