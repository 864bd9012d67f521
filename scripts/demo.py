"""Run the demo: a demo remote Home Assistant and a local one bridged to it.

Started by ``scripts/demo`` (which creates .venv first). Both instances bind to
127.0.0.1; their state lives in ``.demo/`` so a second run starts fast, and
``--fresh`` starts over. Ctrl-C stops both.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import shutil
import signal
import sys
import threading
import time
from typing import Any
import urllib.request

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from remote_ha import RemoteHA, RemoteHAError  # noqa: E402

COMPONENT = ROOT / "custom_components" / "remote_bridge"
DEMO_HOUSE = ROOT / "scripts" / "demo_components" / "rb_demo"


def _request(url: str, token: str, body: dict[str, Any] | None = None) -> Any:
    """Call the local Home Assistant's REST API."""
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def ensure_entry(local: RemoteHA, remote: RemoteHA) -> str:
    """Return the bridge's entry id, adding it through the config flow once."""
    entries = _request(f"{local.url}/api/config/config_entries/entry", local.token)
    for entry in entries:
        if entry["domain"] == "remote_bridge":
            return str(entry["entry_id"])
    flow = _request(
        f"{local.url}/api/config/config_entries/flow",
        local.token,
        {"handler": "remote_bridge", "show_advanced_options": False},
    )
    result = _request(
        f"{local.url}/api/config/config_entries/flow/{flow['flow_id']}",
        local.token,
        {"url": remote.url, "access_token": remote.token, "verify_ssl": True},
    )
    if result.get("type") != "create_entry":
        raise RemoteHAError(f"the config flow did not create the entry: {result}")
    return str(result["result"]["entry_id"])


def main() -> int:
    """Start both instances, print what to try, and wait for Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fresh", action="store_true", help="start over")
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".demo")
    parser.add_argument("--local-port", type=int, default=8123)
    parser.add_argument("--remote-port", type=int, default=8124)
    args = parser.parse_args()

    state: Path = args.state_dir.resolve()
    if args.fresh and state.exists():
        shutil.rmtree(state)
    started = time.perf_counter()
    remote = RemoteHA(
        state / "remote",
        port=args.remote_port,
        name="Holiday House",
        components=[DEMO_HOUSE],
        extra_config="rb_demo:\n",
    )
    local = RemoteHA(
        state / "local",
        port=args.local_port,
        name="Home",
        components=[COMPONENT],
        extra_config="config:\n",  # the config flow API adds the entry
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        remote.provision()
        local.provision()
        remote.start()
        local.start()
        entry_id = ensure_entry(local, remote)
        elapsed = time.perf_counter() - started
        base = f"{local.url}/api/remote_bridge/{entry_id}"
        print(
            f"""
Remote Bridge demo is up ({elapsed:.1f} s).

  Demo remote "Holiday House": {remote.url}
  Local Home Assistant:        {local.url}
      log in as {local.username} / {local.password}
      Settings > Devices & services > Remote Bridge shows the device

Try the views with the local token:
  export TOKEN={local.token}
  curl -s -H "Authorization: Bearer $TOKEN" {base}/states
  curl -s -N -H "Authorization: Bearer $TOKEN" {base}/stream
  curl -s -H "Authorization: Bearer $TOKEN" {base}/metrics

Logs: {remote.log_path}
      {local.log_path}
Press Ctrl-C to stop both.
READY {base}/states {local.token}""",
            flush=True,
        )
        while not stop.wait(1):
            if not (remote.running and local.running):
                print("A Home Assistant instance exited; see its log.", flush=True)
                return 1
    finally:
        print("Stopping both instances...", flush=True)
        stopping = time.perf_counter()
        local.stop()
        remote.stop()
    print(f"Stopped ({time.perf_counter() - stopping:.1f} s).", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
