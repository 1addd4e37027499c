#!/usr/bin/env python3
"""The service's readiness check (exercise.toml `ready`): a real request, the cluster's
health, which must answer 200 with status green or yellow. Exit 0 = ready."""
import json
import sys
import urllib.request

try:
    with urllib.request.urlopen("http://127.0.0.1:9200/_cluster/health", timeout=3) as r:
        status = json.load(r).get("status")
except Exception as e:  # any failure means not ready yet
    sys.exit(f"not ready: {e}")
if status not in ("green", "yellow"):
    sys.exit(f"not ready: cluster status {status!r}")
print(f"ready: {status}")
