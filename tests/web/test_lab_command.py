"""``neuronlab lab``: the URL is printed only once the port is bound; a taken port is one line, exit 2."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from lab_process import LabProcess, free_port
from typer.testing import CliRunner

from neuronlab.cli import app


def test_a_taken_port_is_one_line_and_exit_2_without_a_url(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, ["lab", "--port", str(port), "--db", str(tmp_path / "lab.db")])
    assert result.exit_code == 2, result.output
    assert "http://" not in result.output
    assert f"port {port}" in result.output and "in use" in result.output and "--port" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("args, message", [(["--workers", "0"], "workers"), (["--db", "mysql://x"], "store URL")])
def test_bad_options_are_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["lab", "--port", str(free_port()), *args])
    assert result.exit_code == 2 and message in result.output and "http://" not in result.output, result.output


@pytest.mark.slow
def test_the_printed_url_is_already_listening(tmp_path: Path) -> None:
    server = LabProcess("--db", str(tmp_path / "lab.db"))  # returns once the URL line is printed
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5):
            pass  # bound and listening at once (requests queue until the app has loaded)
        assert httpx.get(f"{server.url}/api/health", timeout=120).json()["status"] == "ok"
    finally:
        err = server.stop()
    assert "Traceback" not in err, err


def test_the_listening_socket_has_nodelay_so_keep_alive_requests_do_not_wait_for_delayed_acks() -> None:
    """Without TCP_NODELAY (asyncio sets it only on sockets created with proto IPPROTO_TCP) every
    keep-alive request of a pulling page waited ~40 ms for the client's delayed ACK."""
    import socket

    from neuronlab.web.server import bind

    sock = bind("127.0.0.1", 0)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()
