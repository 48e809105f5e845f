"""The real server: uvicorn over TLS on a loopback port, and the one-line errors of ``footprint serve``."""
from __future__ import annotations

import socket
import ssl

import httpx
import pytest
from click.testing import CliRunner

from cli import main
from liveserver import LiveServer, certificate_or_skip


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return certificate_or_skip(tmp_path_factory.mktemp("tls"))


@pytest.fixture()
def live(database, certificate, example_declaration, tmp_path):
    import footprint
    from footprint.server.publish import publish
    from footprint.server.store import Store

    store = Store(database)
    store.prepare()
    secret = store.add_client("buyer")
    publish(example_declaration, to=["buyer"], database=database)
    server = LiveServer(database, *certificate, tmp_path, tmp_path / "access.log")
    yield server, secret, footprint
    server.stop()


def test_pact_over_tls_and_nothing_over_plain_http(live, certificate):
    server, secret, _ = live
    context = ssl.create_default_context(cafile=str(certificate[0]))          # the certificate is verified
    with httpx.Client(base_url=server.url, verify=context) as client:
        token = client.post("/auth/token", data={"grant_type": "client_credentials"}, auth=("buyer", secret))
        assert token.status_code == 200
        listing = client.get("/3/footprints", headers={"authorization": f"Bearer {token.json()['access_token']}"})
        assert listing.status_code == 200 and len(listing.json()["data"]) == 1
        assert listing.headers["strict-transport-security"].startswith("max-age=")
    answered = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:   # plain HTTP on the TLS port
        raw.sendall(b"GET /3/footprints HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            while chunk := raw.recv(65536):
                answered += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    assert b'"data"' not in answered and b"HTTP/1.1 200" not in answered
    log = server.access_log.read_text()
    assert 'buyer "GET /3/footprints" 200' in log and secret not in log
    assert token.json()["access_token"] not in log
    # the failure limit counts the connection's address: a forged X-Forwarded-For does not reset it
    with httpx.Client(base_url=server.url, verify=context) as client:
        answers = [client.post("/auth/token", data={"grant_type": "client_credentials"}, auth=("buyer", "guess"),
                               headers={"x-forwarded-for": f"10.0.0.{k}"}).status_code for k in range(6)]
    assert answers == [401] * 5 + [429]


def _one_line_exit_2(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    return result.output


def test_serve_errors_a_user_can_act_on_are_one_line(certificate, tmp_path):
    cert, key = certificate
    runner = CliRunner()
    database = str(tmp_path / "db.sqlite")
    missing = runner.invoke(main, ["serve", "--tls-cert", str(tmp_path / "none.pem"), "--tls-key", str(key),
                                   "--db", database])
    assert "none.pem" in _one_line_exit_2(missing) and "file not found" in missing.output
    no_tls = runner.invoke(main, ["serve", "--db", database])
    assert "TLS is required" in _one_line_exit_2(no_tls)
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
    bad = runner.invoke(main, ["serve", "--tls-cert", str(junk), "--tls-key", str(key), "--db", database])
    assert "not a usable certificate" in _one_line_exit_2(bad)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        busy = runner.invoke(main, ["serve", "--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key),
                                    "--db", database])
    assert f"port {port} on 127.0.0.1 is in use" in _one_line_exit_2(busy)
    url = "postgresql://footprint:hunter2@127.0.0.1:9/none?connect_timeout=2"
    unreachable = runner.invoke(main, ["serve", "--tls-cert", str(cert), "--tls-key", str(key), "--db", url])
    assert "cannot use the database" in _one_line_exit_2(unreachable) and "hunter2" not in unreachable.output
