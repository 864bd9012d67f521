"""The ingest benchmark still runs: a smoke run, with no timing assertions."""

from __future__ import annotations

from pathlib import Path
import subprocess
import sys

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from remote_ha import child_env  # noqa: E402

INGEST = REPO / "benchmarks" / "ingest.py"


def test_ingest_quick_runs() -> None:
    """``benchmarks/ingest.py --quick`` exits 0 and prints its tables."""
    proc = subprocess.run(  # noqa: S603
        [sys.executable, str(INGEST), "--quick"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=REPO,
        env=child_env(),
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "| N | subscription | consumer |" in proc.stdout
    for consumer in ("floor", "loop", "core", "ha"):
        assert f"| {consumer} |" in proc.stdout
    assert "### Against a real Home Assistant remote" in proc.stdout
    assert "### Targets" in proc.stdout


def test_mirror_and_views_quick_run() -> None:
    """``benchmarks/mirror.py`` and ``views.py --quick`` exit 0 and print figures."""
    runs = (("mirror.py", "applies per second"), ("views.py", "states/{id}"))
    for name, marker in runs:
        proc = subprocess.run(  # noqa: S603
            [sys.executable, str(REPO / "benchmarks" / name), "--quick"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=REPO,
            env=child_env(),
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert marker in proc.stdout
