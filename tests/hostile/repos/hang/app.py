"""Hangs on start: says it is starting, never opens its port."""
import time

print("hang: connecting to a database that will never answer...", flush=True)
for i in range(3600):
    time.sleep(1)
    if i % 2 == 0:
        print(f"hang: still waiting ({i} s)", flush=True)
