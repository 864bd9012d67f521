"""The ingest benchmark still runs: a smoke run, with no timing assertions."""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

from tests.remote_ha import child_env

REPO = Path(__file__).resolve().parent.parent


def run_quick(script: str, timeout: float) -> str:
    """Run ``benchmarks/<script> --quick``; check it exits 0; return its output."""
    proc = subprocess.run(  # noqa: S603
        [sys.executable, str(REPO / "benchmarks" / script), "--quick"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO,
        env=child_env(),
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_ingest_quick_runs() -> None:
    """``benchmarks/ingest.py --quick`` exits 0 and prints its tables."""
    output = run_quick("ingest.py", timeout=240)
    assert "| N | subscription | consumer |" in output
    for consumer in ("floor", "loop", "core", "ha"):
        assert f"| {consumer} |" in output
    assert "### Into the local state machine" in output
    assert "| integration, create_entities on |" in output
    assert "### Against a real Home Assistant remote" in output
    assert "### Targets" in output


def test_mirror_and_views_quick_run() -> None:
    """``benchmarks/mirror.py`` and ``views.py --quick`` exit 0 and print figures."""
    runs = (("mirror.py", "applies per second"), ("views.py", "states/{id}"))
    for name, marker in runs:
        assert marker in run_quick(name, timeout=120)
