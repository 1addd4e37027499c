"""`python -m app`: the server on 0.0.0.0:$PORT. Started in exec form, Python is PID 1 and
uvicorn's own SIGTERM handler runs: it stops accepting, lets in-flight requests finish
(at most 8 s), and returns, so the process exits 0."""

import os

import uvicorn

if __name__ == "__main__":
    uvicorn.run(
        "app.main:app",
        host="0.0.0.0",
        port=int(os.environ.get("PORT", "8000")),
        access_log=False,
        timeout_graceful_shutdown=8,
    )
