"""Readiness of kata/slow-upstream: a real query of its admin API (a record, at once)."""

import json
import os
import sys
import urllib.request

PORT = os.environ.get("PORT", "8080")
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/_admin/products/1", timeout=2) as r:
        record = json.load(r)
except Exception as e:  # any failure means not ready yet
    sys.exit(f"not ready: {e}")
if record.get("id") != 1:
    sys.exit(f"not ready: {record!r}")
print("ready")
