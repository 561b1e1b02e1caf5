#!/usr/bin/env python3
"""Replays the real audit events of ../shared/testdata/audit (falco's k8s_audit trace files and
audit2rbac's demo.log) into a large JSON-lines audit log for `bench/audit_bench.sh`.

Every written event is a real one with a new auditID, a shifted time (events 40 ms apart) and,
for human users, one of --users shifted user names; one request in four is also logged at its
RequestReceived stage first, so the deduplication works as on a real API server. Events are
pre-serialised once as templates, so writing a gigabyte takes seconds, not minutes.

Usage: make_audit_log.py SOURCE_DIR OUT_FILE --size-mb 1100 [--users 400] [--seed 1]
"""
import argparse
import datetime as dt
import glob
import json
import os
import random

P_ID, P_TS, P_USER, P_STAGE = "@@ID@@", "@@TS@@", "@@USER@@", "@@STAGE@@"


def load_events(src):
    files = sorted(glob.glob(os.path.join(src, "*.json"))) + [os.path.join(src, "audit2rbac", "demo.log")]
    events = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if isinstance(ev, dict) and ev.get("kind") == "Event":
                    events.append(ev)
    return events


def template(ev):
    ev = json.loads(json.dumps(ev))
    ev["auditID"] = P_ID
    for k in ("requestReceivedTimestamp", "stageTimestamp", "timestamp"):
        if k in ev:
            ev[k] = P_TS
    ev.setdefault("metadata", {})["creationTimestamp"] = P_TS
    user = ev.get("user", {}).get("username", "")
    human = not user.startswith("system:")
    if human:
        ev["user"]["username"] = P_USER
    ev["stage"] = P_STAGE
    text = json.dumps(ev, separators=(",", ":"))
    return text, human


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--size-mb", type=int, default=1100)
    ap.add_argument("--users", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    templates = [template(e) for e in load_events(a.src)]
    users = [f"user-{i:04d}@example.com" for i in range(a.users)]
    start = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    target = a.size_mb * 1_000_000
    written = events = n = 0
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", encoding="utf-8", buffering=8 << 20) as out:
        while written < target:
            chunk = []
            for _ in range(10_000):
                text, human = templates[rnd.randrange(len(templates))]
                t = start + dt.timedelta(microseconds=n * 40_000)
                ts = t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                aid = f"{rnd.getrandbits(32):08x}-{n & 0xffff:04x}-4{rnd.getrandbits(12):03x}-8{rnd.getrandbits(12):03x}-{n:012x}"
                line = text.replace(P_ID, aid).replace(P_TS, ts)
                if human:
                    line = line.replace(P_USER, users[rnd.randrange(len(users))])
                if n % 4 == 0:
                    chunk.append(line.replace(P_STAGE, "RequestReceived"))
                    events += 1
                chunk.append(line.replace(P_STAGE, "ResponseComplete"))
                events += 1
                n += 1
            data = "\n".join(chunk) + "\n"
            out.write(data)
            written += len(data.encode("utf-8"))
    print(f"{a.out}: {written} bytes, {events} events, {n} requests, {len(templates)} templates")


if __name__ == "__main__":
    main()
