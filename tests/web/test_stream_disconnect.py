"""Closing a streaming tab while a frame waits to be written logs no BrokenResourceError traceback.

The race (FastAPI closes the SSE consumer end before cancelling its keep-alive task) needs the server's
write to be blocked when the client leaves; a real socket makes that timing-dependent, so the ASGI app is
driven here by a client that stops reading after the first frame and then disconnects.
(tests/web/test_workers.py also drops real streams on a real server and reads its stderr.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
from fastapi.testclient import TestClient

from neuronlab.web import create_app


def test_a_client_that_stops_reading_then_leaves_ends_the_request_quietly(tmp_path: Path) -> None:
    app = create_app(tmp_path / "lab.db")
    client = TestClient(app)
    client.__enter__()  # the app's lifespan runs (and stays up) while the stream is driven below
    sid = client.post("/api/playground", json={"config": {"task": "xor", "hidden": [3]}}).json()["id"]

    async def main() -> None:
        gone, first_frame = anyio.Event(), anyio.Event()
        asked = False

        async def receive() -> dict[str, Any]:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                first_frame.set()
                await anyio.sleep_forever()  # the tab stopped reading: the write never completes

        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": f"/api/playground/{sid}/stream", "raw_path": b"",
                 "root_path": "", "query_string": b"fps=60", "headers": [(b"host", b"127.0.0.1:8000")],
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}
        async with anyio.create_task_group() as tg:
            tg.start_soon(app, scope, receive, send)
            await first_frame.wait()
            await anyio.sleep(0.5)  # frames pile up behind the blocked write
            gone.set()

    try:
        for _ in range(3):
            anyio.run(main)  # before the fix: ExceptionGroup(... BrokenResourceError)
    finally:
        client.__exit__(None, None, None)
        app.state.store.close()
