"""The Host header check against DNS rebinding: only names of the address served get an answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from neuronlab.web import create_app
from neuronlab.web.hosts import allowed_hosts, split_host


@pytest.fixture(scope="module")
def app_on(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    db = tmp_path_factory.mktemp("hosts") / "lab.db"
    made = []

    def build(host: str, *extra: str) -> TestClient:
        app = create_app(db, allowed_hosts=allowed_hosts(host, 8000, extra))
        made.append(app)
        return TestClient(app, base_url="http://127.0.0.1:8000")

    yield build
    for app in made:
        app.state.store.close()


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example:8000",
                                  "127.0.0.1:9999", "localhost", "", "[::1]:80", "127.0.0.1:8000@evil"])
def test_a_rebound_name_gets_400_with_one_line(app_on: object, host: str) -> None:
    client = app_on("127.0.0.1")  # type: ignore[operator]
    for url in ("/api/runs", "/api/tasks", "/playground"):
        got = client.get(url, headers={"Host": host})
        assert got.status_code == 400, (host, url)
        detail = got.json()["detail"]
        assert "\n" not in detail and "does not name this lab" in detail and "--allowed-host" in detail
    assert client.post("/api/playground", json={}, headers={"Host": host}).status_code == 400


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "LOCALHOST:8000", "[::1]:8000"])
def test_the_loopback_names_with_the_port_are_served(app_on: object, host: str) -> None:
    client = app_on("127.0.0.1")  # type: ignore[operator]
    assert client.get("/api/tasks", headers={"Host": host}).status_code == 200


def test_every_address_serves_only_the_names_the_instructor_gives(app_on: object) -> None:
    bare = app_on("0.0.0.0")  # type: ignore[operator]
    assert bare.get("/api/tasks", headers={"Host": "lab.school.edu:8000"}).status_code == 400
    named = app_on("0.0.0.0", "lab.school.edu", "*.cs.school.edu")  # type: ignore[operator]
    for host in ("lab.school.edu:8000", "lab.school.edu", "pc7.cs.school.edu:443", "127.0.0.1:8000"):
        assert named.get("/api/tasks", headers={"Host": host}).status_code == 200, host
    assert named.get("/api/tasks", headers={"Host": "school.edu.evil.example"}).status_code == 400
    anyone = app_on("0.0.0.0", "*")  # type: ignore[operator]
    assert anyone.get("/api/tasks", headers={"Host": "evil.example"}).status_code == 200
    own = app_on("192.0.2.7")  # type: ignore[operator]
    assert own.get("/api/tasks", headers={"Host": "192.0.2.7:8000"}).status_code == 200


def test_split_host_reads_ipv6_ports_and_junk() -> None:
    assert split_host("[::1]:8000") == ("::1", 8000)
    assert split_host("Lab.Example.:80") == ("lab.example", 80)
    assert split_host("::1") == ("::1", None)
    assert split_host("a:b") == ("a", -1)
