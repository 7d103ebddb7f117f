#!/usr/bin/env python3
"""Reproduction of the seed script's functions (from the blog post the product grew out of).

FOR INTEROPERABILITY TESTS ONLY. The Rust integration tests use this script to check that
logs written by hipaa-audit verify with the seed's algorithm and vice versa, and that our
canonical JSON equals Python's json.dumps(obj, sort_keys=True). It is not part of the
product. Standard library only.

Usage:
  seed_audit.py verify FILE
      run verify_chain on FILE, print its result dict as one line of JSON;
      exit 0 if valid, 1 if not.
  seed_audit.py log DIR EVENT_TYPE USER ACTION [RESOURCE] [OUTCOME]
      create_audit_entry (previous_hash = get_last_hash(DIR/audit.jsonl)) + write_entry.
  seed_audit.py rotate DIR
      rotate_logs(DIR).
  seed_audit.py dumps
      for each line of stdin, print json.dumps(json.loads(line), sort_keys=True).

Deviations from the seed (each marked "DEVIATION" below): datetime.utcnow() (deprecated) is
replaced by datetime.now(timezone.utc).replace(tzinfo=None), which formats identically, and
get_last_hash has a minimal bug fix.
"""

import gzip
import hashlib
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

LOG_FILE = "audit.jsonl"
ZERO_HASH = "0" * 64


def _utcnow():
    # DEVIATION: the seed calls datetime.utcnow(); this is the same naive UTC datetime.
    return datetime.now(timezone.utc).replace(tzinfo=None)


def compute_hash(data_string, previous_hash="0" * 64):
    payload = f"{previous_hash}:{data_string}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def get_last_hash(log_path):
    if not log_path.exists() or log_path.stat().st_size == 0:
        return "0" * 64
    with open(log_path, "rb") as f:
        f.seek(0, 2)
        pos = f.tell() - 1
        # DEVIATION (bug fix): the seed looped
        #     while pos > 0 and f.read(1) != b"\n":
        #         pos -= 1
        # without ever seeking. The first read(1) happens at end of file and returns b"",
        # so does every later one, so pos runs down to 0 and the seed always returned the
        # hash of the FIRST line. A third appended entry then links to entry 1 instead of
        # entry 2 and verify_chain reports "Chain broken". Minimal fix: step over the
        # trailing newline, and seek to each byte before reading it.
        f.seek(pos)
        if pos > 0 and f.read(1) == b"\n":
            pos -= 1
        while pos > 0:
            f.seek(pos - 1)
            if f.read(1) == b"\n":
                break
            pos -= 1
        f.seek(pos)
        last_line = f.readline().decode("utf-8").strip()
        if last_line:
            return json.loads(last_line).get("hash", "0" * 64)
    return "0" * 64


def create_audit_entry(event_type, user_id, action, resource=None, outcome="success",
                       details=None, previous_hash=None):
    entry = {
        "timestamp": _utcnow().isoformat() + "Z",
        "event_type": event_type,
        "user_id": user_id,
        "action": action,
        "resource": resource,
        "outcome": outcome,
        "hostname": os.uname().nodename,
        "details": details or {},
        "logger_version": "1.0.0",
    }
    entry_string = json.dumps(entry, sort_keys=True)
    prev = previous_hash or "0" * 64
    entry["hash"] = compute_hash(entry_string, prev)
    entry["previous_hash"] = prev
    return entry


def write_entry(entry, log_dir):
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / LOG_FILE, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")


def verify_chain(log_path):
    entries = 0
    errors = []
    expected_prev = "0" * 64
    # The seed opened with the locale's default encoding; UTF-8 is what it meant (and what
    # it wrote). Lines written with ensure_ascii=True are pure ASCII anyway.
    with open(log_path, encoding="utf-8") as f:
        for line_num, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            entry = json.loads(line)
            entries += 1
            if entry.get("previous_hash") != expected_prev:
                errors.append(f"Line {line_num}: Chain broken")
            stored_hash = entry.pop("hash", None)
            stored_prev = entry.pop("previous_hash", None)
            computed = compute_hash(json.dumps(entry, sort_keys=True), stored_prev or "0" * 64)
            if computed != stored_hash:
                errors.append(f"Line {line_num}: Hash mismatch")
            entry["hash"] = stored_hash
            entry["previous_hash"] = stored_prev
            expected_prev = stored_hash
    return {"valid": len(errors) == 0, "entries_checked": entries, "errors": errors}


def rotate_logs(log_dir):
    log_dir = Path(log_dir)
    log_path = log_dir / LOG_FILE
    if not log_path.exists() or log_path.stat().st_size == 0:
        return None
    archive_dir = log_dir / "archive"
    archive_dir.mkdir(parents=True, exist_ok=True)
    now = _utcnow()
    archive_path = archive_dir / f"audit_{now.strftime('%Y%m%d_%H%M%S')}.jsonl.gz"
    with open(log_path, "rb") as src, gzip.open(archive_path, "wb") as dst:
        dst.write(src.read())
    with open(archive_path, "rb") as f:
        archive_sha256 = hashlib.sha256(f.read()).hexdigest()
    manifest_entry = {
        "timestamp": now.isoformat() + "Z",
        "archive": archive_path.name,
        "sha256": archive_sha256,
    }
    # Plain json.dumps (insertion order, not sort_keys), as in the seed.
    with open(archive_dir / "manifest.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(manifest_entry) + "\n")
    with open(log_path, "w", encoding="utf-8"):
        pass
    return archive_path


def _usage():
    print(__doc__.split("Usage:", 1)[1], file=sys.stderr)
    return 2


def main(argv):
    if not argv:
        return _usage()
    cmd, args = argv[0], argv[1:]
    if cmd == "verify" and len(args) == 1:
        result = verify_chain(Path(args[0]))
        print(json.dumps(result))
        return 0 if result["valid"] else 1
    if cmd == "log" and 4 <= len(args) <= 6:
        log_dir = Path(args[0])
        event_type, user_id, action = args[1], args[2], args[3]
        resource = args[4] if len(args) > 4 else None
        outcome = args[5] if len(args) > 5 else "success"
        prev = get_last_hash(log_dir / LOG_FILE)
        entry = create_audit_entry(event_type, user_id, action, resource, outcome,
                                   previous_hash=prev)
        write_entry(entry, log_dir)
        return 0
    if cmd == "rotate" and len(args) == 1:
        rotate_logs(Path(args[0]))
        return 0
    if cmd == "dumps" and not args:
        # Bytes in, split on b"\n" only: independent of the locale, and a raw U+2028 or
        # U+0085 inside a string (serde_json leaves them unescaped) is not a line break.
        out = sys.stdout
        for raw in sys.stdin.buffer:
            line = raw.rstrip(b"\n").decode("utf-8")
            out.write(json.dumps(json.loads(line), sort_keys=True))
            out.write("\n")
        out.flush()
        return 0
    return _usage()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
