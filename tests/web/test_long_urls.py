"""URLs over 4 KB get a 414 problem document, from Django and through `rubrica serve`
(gunicorn, which by itself would answer its own HTML page above 4094 bytes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


@pytest.mark.django_db
def test_a_url_over_4_kb_gets_a_414_problem(client):
    response = client.get("/api/v1/contacts?q=" + "a" * 4100)

    assert response.status_code == 414
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:rubrica:problem:uri-too-long"


@pytest.mark.django_db
def test_a_url_under_the_limit_is_served(client, member):
    client.force_login(member)

    response = client.get("/people/?q=" + "a" * 3000)

    assert response.status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_rubrica_serve_answers_a_long_url_with_the_problem_not_gunicorns_page(tmp_path):
    script = str(Path(sys.executable).parent / "rubrica")
    environ = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    environ["RUBRICA_VAR_DIR"] = str(tmp_path / "var")
    setup = subprocess.run(
        [script, "setup"], env=environ, capture_output=True, text=True, timeout=120
    )
    assert setup.returncode == 0, setup.stderr
    port = _free_port()
    server = subprocess.Popen(
        [script, "serve", "--port", str(port)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/v1/contacts?q=" + "a" * 6000
    try:
        answer = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and answer is None:
            try:
                urllib.request.urlopen(url, timeout=5)
            except urllib.error.HTTPError as exc:
                answer = (exc.code, exc.headers.get("Content-Type"), exc.read())
            except OSError:
                assert server.poll() is None
                time.sleep(0.3)
        assert answer is not None
        code, content_type, body = answer
        assert code == 414
        assert content_type == "application/problem+json"
        assert b"uri-too-long" in body
    finally:
        server.terminate()
        server.wait(timeout=20)
