"""scripts/demo, driven headless: start, curl the printed URL, Ctrl-C."""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest
import pytest_socket

from tests.remote_ha import child_env, free_port

ROOT = Path(__file__).resolve().parents[1]

START_TIMEOUT = 180
STOP_TIMEOUT = 90


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """Run scripts/demo on free ports in a temporary state folder."""
    pytest_socket.enable_socket()
    process = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / "scripts" / "demo"),
            "--fresh",
            f"--state-dir={tmp_path / 'demo'}",
            f"--local-port={free_port()}",
            f"--remote-port={free_port()}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**child_env(), "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(tmp_path / "demo", ignore_errors=True)


def _read_until(process: subprocess.Popen[str], lines: list[str], prefix: str) -> str:
    """Return the first output line starting with ``prefix`` (bounded in time)."""
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith(prefix):
            return line
    pytest.fail(f"no {prefix!r} line; output:\n{''.join(lines)[-4000:]}")


def test_demo_serves_the_filtered_remote_states(
    demo: tuple[subprocess.Popen[str], list[str]],
) -> None:
    """The printed curl answers the remote's states, media and cameras dropped."""
    process, lines = demo
    ready = _read_until(process, lines, "READY ")
    _, states_url, token = ready.split()
    output = "".join(lines)
    assert f'curl -s -H "Authorization: Bearer $TOKEN" {states_url}' in output
    assert f"export TOKEN={token}" in output

    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1
        states_url, headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        states = json.loads(response.read())
    entity_ids = {state["entity_id"] for state in states}
    assert {"light.living_room", "sensor.outdoor_temperature"} <= entity_ids
    assert not any(
        entity_id.startswith(("media_player.", "camera.")) for entity_id in entity_ids
    )

    process.send_signal(signal.SIGINT)
    assert process.wait(STOP_TIMEOUT) == 0
    assert process.stdout is not None
    rest = process.stdout.read()
    assert "Stopped" in rest
