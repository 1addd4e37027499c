"""Readiness of kata/callback-recorder: a real query of its admin API."""

import json
import os
import sys
import urllib.request

PORT = os.environ.get("PORT", "8080")
try:
    url = f"http://127.0.0.1:{PORT}/_admin/calls?path=/hooks/ready"
    with urllib.request.urlopen(url, timeout=2) as r:
        got = json.load(r)
except Exception as e:  # any failure means not ready yet
    sys.exit(f"not ready: {e}")
if got.get("path") != "/hooks/ready":
    sys.exit(f"not ready: {got!r}")
print("ready")
