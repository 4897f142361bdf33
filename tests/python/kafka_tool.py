#!/usr/bin/env python3
"""A small Kafka CLI over kafka-python, the independent client of the integration tests.

It shares no code with librdkafka, so what it reads proves what the service wrote on
the wire (and the other way round). Every command prints JSON on stdout.

  produce     --brokers B --topic T [--key-field F] [--partition N] [--header K=V]... [--batch] FILE|-
  consume     --brokers B --topic T --expect N [--timeout S]
  committed   --brokers B --group G --topic T
  end-offsets --brokers B --topic T [--list-offsets]

Exit status 0 on success, 2 on usage errors, 1 on any other failure (message on stderr).
"""

import argparse
import json
import os
import sys
import time

try:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
except ImportError:  # the Rust harness turns this exit code into "skipping" or a CI failure
    sys.stderr.write("kafka_tool.py: kafka-python is not installed (pip install kafka-python)\n")
    sys.exit(3)


def api_version():
    """KAFKA_TOOL_API_VERSION=3.9 pins the protocol; unset means kafka-python's detection.

    Detection against tansu 0.6.0 settles on (3, 9); both work.
    """
    text = os.environ.get("KAFKA_TOOL_API_VERSION", "").strip()
    if not text:
        return None
    return tuple(int(part) for part in text.split("."))


def common(args):
    config = {"bootstrap_servers": args.brokers.split(","), "client_id": "kafka_tool"}
    version = api_version()
    if version is not None:
        config["api_version"] = version
    return config


def text(raw):
    if raw is None:
        return None
    return raw.decode("utf-8", errors="replace")


def partitions_of(consumer, topic, timeout):
    """The partition numbers of `topic`, waiting up to `timeout` seconds for metadata."""
    deadline = time.monotonic() + timeout
    while True:
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return sorted(parts)
        if time.monotonic() >= deadline:
            raise SystemExit(f"kafka_tool.py: topic {topic!r} has no partitions after {timeout}s")
        time.sleep(0.1)


def key_of(line, field):
    if field is None:
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if not isinstance(obj, dict) or field not in obj or obj[field] is None:
        return None
    value = obj[field]
    if not isinstance(value, str):
        value = json.dumps(value, separators=(",", ":"))
    return value.encode("utf-8")


def produce(args):
    headers = []
    for spec in args.header:
        name, sep, value = spec.partition("=")
        if not sep:
            raise SystemExit(f"kafka_tool.py: --header wants NAME=VALUE, got {spec!r}")
        headers.append((name, value.encode("utf-8")))
    stream = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    # One record per batch unless --batch: tansu 0.6.0's memory storage fetches whole
    # batches from the first one starting at or after the fetch offset, so a consumer that
    # resumes inside a batch (a committed offset mid-batch) silently skips its rest.
    batching = {"batch_size": 16384, "linger_ms": 5} if args.batch else {"batch_size": 1}
    producer = KafkaProducer(acks="all", **batching, **common(args))
    futures = []
    with stream:
        for raw in stream:
            line = raw.rstrip(b"\r\n")
            if not line.strip():
                continue
            key = key_of(line.decode("utf-8", errors="replace"), args.key_field)
            futures.append(
                producer.send(
                    args.topic,
                    value=line,
                    key=key,
                    partition=args.partition,
                    headers=headers or None,
                )
            )
    producer.flush(timeout=args.timeout)
    for future in futures:
        future.get(timeout=args.timeout)  # raises the delivery error, if any
    producer.close(timeout=args.timeout)
    print(json.dumps({"sent": len(futures)}))


def consume(args):
    consumer = KafkaConsumer(
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **common(args),
    )
    tps = [TopicPartition(args.topic, p) for p in partitions_of(consumer, args.topic, args.timeout)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    got = 0
    deadline = time.monotonic() + args.timeout
    while got < args.expect:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        batches = consumer.poll(
            timeout_ms=int(min(left, 0.5) * 1000), max_records=args.expect - got
        )
        for tp in sorted(batches, key=lambda tp: tp.partition):
            for m in batches[tp]:
                print(
                    json.dumps(
                        {
                            "partition": m.partition,
                            "offset": m.offset,
                            "key": text(m.key),
                            "value": text(m.value),
                            "headers": {name: text(value) for name, value in (m.headers or [])},
                        },
                        ensure_ascii=False,
                    )
                )
                got += 1
    if got < args.expect:
        sys.stderr.write(f"kafka_tool.py: {got} of {args.expect} messages after {args.timeout}s\n")
    consumer.close()


def committed(args):
    consumer = KafkaConsumer(group_id=args.group, enable_auto_commit=False, **common(args))
    out = {}
    for p in partitions_of(consumer, args.topic, args.timeout):
        offset = consumer.committed(TopicPartition(args.topic, p))
        if offset is not None:
            out[str(p)] = offset
    consumer.close()
    print(json.dumps(out))


def end_offsets(args):
    """The high watermark of each partition.

    tansu 0.6.0 (memory storage) answers ListOffsets(latest) with the base offset of the
    newest record batch plus one, not with the high watermark: a batch of 5 records at
    offsets 0..4 reads as end offset 1. The Fetch response carries the true high
    watermark, so by default this fetches from the last batch and reports that;
    --list-offsets prints the broker's ListOffsets answer instead.
    """
    consumer = KafkaConsumer(
        enable_auto_commit=False,
        max_partition_fetch_bytes=1024,
        fetch_max_bytes=1024,
        **common(args),
    )
    tps = [TopicPartition(args.topic, p) for p in partitions_of(consumer, args.topic, args.timeout)]
    listed = consumer.end_offsets(tps)
    if args.list_offsets:
        consumer.close()
        print(json.dumps({str(tp.partition): listed[tp] for tp in tps}))
        return
    consumer.assign(tps)
    for tp in tps:
        consumer.seek(tp, max(0, listed[tp] - 1))
    deadline = time.monotonic() + args.timeout
    while any(consumer.highwater(tp) is None for tp in tps):
        if time.monotonic() >= deadline:
            raise SystemExit(f"kafka_tool.py: no high watermark within {args.timeout}s")
        consumer.poll(timeout_ms=200)
    out = {str(tp.partition): consumer.highwater(tp) for tp in tps}
    consumer.close()
    print(json.dumps(out))


def main():
    parser = argparse.ArgumentParser(prog="kafka_tool.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, helptext):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--brokers", required=True, help="host:port[,host:port...]")
        p.add_argument("--topic", required=True)
        p.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
        return p

    p = command("produce", "send each non-empty line of FILE (- for stdin) as one message")
    p.add_argument("--key-field", help="key = this field of the line's JSON object, if present")
    p.add_argument("--partition", type=int, help="send every message to this partition")
    p.add_argument("--header", action="append", default=[], help="NAME=VALUE, repeatable")
    p.add_argument(
        "--batch",
        action="store_true",
        help="batch records as usual (default: one record per batch, about 1,500 msg/s, "
        "so any offset is a batch start)",
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(run=produce)

    p = command("consume", "read every partition from the beginning, one JSON line a message")
    p.add_argument(
        "--expect",
        type=int,
        required=True,
        help="stop after this many messages (never prints more; fewer on timeout, with a "
        "warning on stderr and exit status 0)",
    )
    p.set_defaults(run=consume)

    p = command("committed", "the group's committed offsets of the topic's partitions")
    p.add_argument("--group", required=True)
    p.set_defaults(run=committed)

    p = command("end-offsets", "the high watermark of each partition")
    p.add_argument("--list-offsets", action="store_true", help="report ListOffsets(latest) as is")
    p.set_defaults(run=end_offsets)

    args = parser.parse_args()
    try:
        args.run(args)
    except SystemExit:
        raise
    except Exception as err:  # one line on stderr instead of a traceback from deep in the client
        sys.stderr.write(f"kafka_tool.py {args.command}: {type(err).__name__}: {err}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
