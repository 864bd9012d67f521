"""Ingest benchmark: what each remote update costs the bridge, against the floor.

Several kinds of consumer read the same stream from a replay remote
(``replay_remote.py``, a separate process on 127.0.0.1 that speaks Home
Assistant's WebSocket API):

1. ``floor``: a bare aiohttp client that authenticates, subscribes and only
   decodes every frame with orjson;
2. ``loop``: the floor plus one Python pass per update that files it under its
   entity id (applying nothing): the least any Python consumer does;
3. ``core``: a ``RemoteLink`` (client, mirror, reader; no Home Assistant),
   then the same with 1 and with 100 batch listeners that each do what an SSE
   stream hub does (take the batch's JSON and append it to a bounded buffer),
   and with 100 listeners that each serialise the batch themselves;
4. ``ha``: the whole integration in a Home Assistant test instance (config
   entry set up, entities live) until the sentinel is in the mirror; and
   ``ha+entities``, the same with ``create_entities`` on;
5. with ``--local`` (or ``--consumer``), what local entities are measured
   against (``local.py``): ``bare`` writes each decoded update with
   ``hass.states.async_set`` (remote_homeassistant's way), ``write`` with one
   plain entity's ``async_write_ha_state`` (an entity platform's floor);

for each subscription (``subscribe_events state_changed`` / ``subscribe_entities``)
with and without ``coalesce_messages``, interleaved (floor loop core ha floor
loop core ha ...) and repeated; figures are medians. Every consumer runs in a
fresh subprocess and measures itself: process CPU time (all threads,
``time.process_time``) and wall time from the moment it asks the replay to start
streaming until the sentinel arrives and every mirrored entry has been read once
(the mirror formats folded diffs on read: that work is counted), and peak RSS
(``ru_maxrss`` of the whole process, set-up included). A last check runs the
bridge against a real Home Assistant process (``tests/remote_ha.py``) that sets
states as fast as it can.

    .venv/bin/python benchmarks/ingest.py            # full: N = 20,000 and 100,000
    .venv/bin/python benchmarks/ingest.py --quick    # smoke run, about a minute
    .venv/bin/python benchmarks/ingest.py --local    # create_entities, N = 100,000
"""

from __future__ import annotations

import argparse
import asyncio
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import replace
import json
import os
from pathlib import Path
import platform
import resource
import secrets
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
REPLAY = Path(__file__).resolve().parent / "replay_remote.py"
DEFAULT_EXCLUDE = ("media_player", "camera", "automation")
CONSUMERS = (
    "floor",
    "loop",
    "core",
    "core+1",
    "core+100",
    "core+100own",
    "bare",
    "write",
    "ha",
    "ha+entities",
)
# What create_entities is measured against (benchmarks/local.py), in a Home
# Assistant test instance each: remote_homeassistant's async_set per update,
# and a plain entity's async_write_ha_state per update.
STATE_MACHINE = ("bare", "write", "ha", "ha+entities")
# The default run: the core and the integration with its default options.
DEFAULT_CONSUMERS = ("floor", "loop", "core", "core+1", "core+100", "core+100own", "ha")
LOCAL_NAMES = {
    "bare": "bare async_set",
    "write": "plain entities, async_write_ha_state",
    "ha": "integration, create_entities off",
    "ha+entities": "integration, create_entities on",
}
# --quick runs these only with coalesce_messages (one Home Assistant each).
QUICK_DEFAULT_ONLY = ("bare", "write", "ha+entities")
# --local: the create_entities comparison.
LOCAL_CONSUMERS = ("floor", "bare", "write", "ha", "ha+entities")
# Listeners attached to the link: (count, each serialises the batch itself).
LISTENERS = {
    "core": (0, False),
    "core+1": (1, False),
    "core+100": (100, False),
    "core+100own": (100, True),
}
# What a stream hub keeps for a slow reader before it drops it.
HUB_BUFFER = 1024
# (subscription, coalesce_messages)
KINDS = (
    ("state_changed", False),
    ("state_changed", True),
    ("entities", False),
    ("entities", True),
)
REAL_SENTINEL = "sensor.rb_bench_sentinel"
CONSUMER_TIMEOUT = 300.0
REPLAY_READY_TIMEOUT = 300.0  # building 100,000 changes takes 5-20 s here
RESULT_PREFIX = "RESULT "


# -- the consumers (each runs in its own subprocess) ---------------------------


def _usage() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _wait_for(check: Callable[[], bool], limit: float, what: str) -> None:
    """Poll ``check`` every 2 ms (cheap next to the stream) until true."""
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


def _file_updates(payload: Any, latest: dict[str, Any], *, entities: bool) -> None:
    """File every update under its entity id: the least Python can do per update."""
    for item in payload if type(payload) is list else (payload,):
        if item["type"] == "event":
            event = item["event"]
            if entities:
                latest.update(event.get("c", ()))
            else:
                data = event["data"]
                latest[data["entity_id"]] = data["new_state"]


async def consume_floor(cfg: dict[str, Any]) -> dict[str, Any]:  # noqa: PLR0912 - kept inline: the floor
    """Authenticate, subscribe, decode every frame with orjson; nothing else.

    As the ``loop`` consumer, also file every decoded update under its entity
    id: one pass of Python per update, a floor for any Python consumer.
    """
    import aiohttp  # noqa: PLC0415
    import orjson  # noqa: PLC0415

    loads = orjson.loads
    sentinel = cfg["sentinel"]
    async with (
        asyncio.timeout(CONSUMER_TIMEOUT),
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{cfg['url']}/api/websocket", max_msg_size=0) as ws,
    ):
        await ws.receive()  # auth_required
        await ws.send_str(
            orjson.dumps({"type": "auth", "access_token": cfg["token"]}).decode()
        )
        if loads((await ws.receive()).data)["type"] != "auth_ok":
            raise RuntimeError("authentication failed")
        next_id = 0

        async def command(message: dict[str, Any]) -> Any:
            nonlocal next_id
            next_id += 1
            await ws.send_str(orjson.dumps({"id": next_id, **message}).decode())
            while True:
                payload = loads((await ws.receive()).data)
                for item in payload if type(payload) is list else (payload,):
                    if item.get("type") == "result" and item["id"] == next_id:
                        if not item["success"]:
                            raise RuntimeError(f"{message['type']}: {item['error']}")
                        return item["result"]

        if cfg["coalesce"]:
            await command(
                {"type": "supported_features", "features": {"coalesce_messages": 1}}
            )
        if cfg["subscription"] == "entities":
            await command(
                {"type": "subscribe_entities", "exclude": {"domains": DEFAULT_EXCLUDE}}
            )
        else:
            await command({"type": "subscribe_events", "event_type": "state_changed"})
        await command({"type": "get_states"})
        prepared = await command({"type": "replay/prepare"})
        messages = 0
        t0, c0 = _usage()
        await ws.send_str(orjson.dumps({"id": 1000, "type": "replay/start"}).decode())
        entities = cfg["subscription"] == "entities"
        touch = cfg["consumer"] == "loop"
        latest: dict[str, Any] = {}
        text = aiohttp.WSMsgType.TEXT
        while True:
            frame = await ws.receive()
            if frame.type is not text:
                raise RuntimeError(f"the socket closed: {frame.type!r}")
            payload = loads(frame.data)
            if touch:
                _file_updates(payload, latest, entities=entities)
            if type(payload) is list:
                messages += len(payload)
                last = payload[-1]
            else:
                messages += 1
                last = payload
            if last.get("type") != "event":
                continue
            event = last["event"]
            if entities:
                if sentinel in event.get("c", ()):
                    break
            elif event["data"]["entity_id"] == sentinel:
                break
        t1, c1 = _usage()
    return {
        "wall": t1 - t0,
        "cpu": c1 - c0,
        "wire_bytes": prepared["bytes"],
        "frames": prepared["frames"],
        "messages": messages,
        "maxrss_mb": _maxrss_mb(),
    }


def _core_imports() -> Any:
    """Import the pure core as a top-level package (its imports are relative).

    Nothing of the integration (which imports Home Assistant) is loaded, so
    the core consumer's RSS and start-up are the core's alone.
    """
    from core import import_core  # noqa: PLC0415

    remote = import_core()

    if "homeassistant" in sys.modules:
        raise RuntimeError("the core consumer imported Home Assistant")
    return remote


def _hub_listener(*, own_serialisation: bool) -> Callable[[Any], None]:
    """Return a listener that does what an SSE stream hub does with a batch.

    It serialises the changed states once per batch and appends the bytes to
    a bounded buffer. ``changes.json()`` is serialised once and shared by
    every listener; ``own_serialisation`` makes each listener pay for its own
    ``orjson.dumps`` of the batch instead.
    """
    import orjson  # noqa: PLC0415

    buffer: deque[bytes] = deque(maxlen=HUB_BUFFER)
    if own_serialisation:
        dumps = orjson.dumps
        return lambda changes: buffer.append(dumps(dict(changes)))
    return lambda changes: buffer.append(changes.json())


async def _final_states(session: Any, url: str) -> list[dict[str, Any]]:
    async with session.get(f"{url}/replay/final_states") as response:
        result: list[dict[str, Any]] = await response.json()
        return result


def _compare(mirror: Any, expected: list[dict[str, Any]]) -> dict[str, int]:
    """Count the kept entities whose mirror entry differs from the remote's."""
    keep = mirror.entity_filter
    want = {state["entity_id"]: state for state in expected if keep(state["entity_id"])}
    have = {state["entity_id"]: state for state in mirror.states()}
    wrong = sum(1 for entity_id, state in want.items() if have.get(entity_id) != state)
    extra = sum(1 for entity_id in have if entity_id not in want)
    return {"lost": wrong + extra, "expected_entities": len(want)}


async def consume_core(cfg: dict[str, Any]) -> dict[str, Any]:
    """Run a RemoteLink with the default filter, as ``bridge.py`` builds it."""
    import aiohttp  # noqa: PLC0415

    remote = _core_imports()
    count, own = LISTENERS[cfg["consumer"]]
    async with aiohttp.ClientSession() as session:
        link = remote.RemoteLink(
            session,
            cfg["url"],
            cfg["token"],
            entity_filter=remote.EntityFilter(exclude_domains=DEFAULT_EXCLUDE),
            options=remote.ClientOptions(
                subscribe_entities=cfg["subscription"] == "entities",
                coalesce_messages=cfg["coalesce"],
            ),
        )
        for _ in range(count):
            link.add_listener(_hub_listener(own_serialisation=own))
        await link.connect()
        runner = asyncio.create_task(link.run())
        try:
            result = await _drive(cfg, session, link)
        finally:
            await link.stop()
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
    return result


@contextmanager
def _profiled(cfg: dict[str, Any]) -> Iterator[None]:
    """Profile the timed window when ``--profile DIR`` asks for it."""
    if not (folder := cfg.get("profile")):
        yield
        return
    import cProfile  # noqa: PLC0415

    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        name = f"{cfg['consumer']}-{_kind_option(cfg['subscription'], cfg['coalesce'])}"
        profile.dump_stats(Path(folder) / f"{name}.prof")


async def _drive(cfg: dict[str, Any], session: Any, link: Any) -> dict[str, Any]:
    """Time one stream through a connected link; check the mirror after."""
    if cfg.get("real"):
        return await _drive_real(cfg, session, link)
    client, mirror = link.client, link.mirror
    sentinel, done = cfg["sentinel"], cfg["sentinel_state"]
    prepared = await client.send_command({"type": "replay/prepare"})
    events0, since = link.events_received, client.connected_since

    def arrived() -> bool:
        state = mirror.get(sentinel)
        return state is not None and state["state"] == done

    with _profiled(cfg):
        t0, c0 = _usage()
        await client.send_command({"type": "replay/start"})
        await _wait_for(arrived, CONSUMER_TIMEOUT, "the sentinel")
        # One read of every entry, inside the timed window: the mirror formats
        # folded diffs when an entry is read, and that work counts here too.
        mirror.states()
        t1, c1 = _usage()
    check = _compare(mirror, await _final_states(session, cfg["url"]))
    return {
        "wall": t1 - t0,
        "cpu": c1 - c0,
        "wire_bytes": prepared["bytes"],
        "frames": prepared["frames"],
        "events": link.events_received - events0,
        "reconnected": client.connected_since != since,
        "maxrss_mb": _maxrss_mb(),
        **check,
    }


async def _drive_real(cfg: dict[str, Any], session: Any, link: Any) -> dict[str, Any]:
    """Make a real remote set states as fast as it can; check what arrived."""
    client, mirror = link.client, link.mirror
    done = f"done-{secrets.token_hex(4)}"
    events0, bytes0, since = (
        link.events_received,
        link.bytes_received,
        client.connected_since,
    )

    def arrived() -> bool:
        state = mirror.get(REAL_SENTINEL)
        return state is not None and state["state"] == done

    async def bulk_set(prefix: str, count: int) -> dict[str, Any]:
        result = await client.send_command(
            {
                "type": "call_service",
                "domain": "rb_test_helper",
                "service": "bulk_set",
                "service_data": {
                    "count": count,
                    "prefix": prefix,
                    "entities": cfg["entities"],
                    "yield_every": cfg["yield_every"],
                },
                "return_response": True,
            },
            answer_within=CONSUMER_TIMEOUT,
        )
        response: dict[str, Any] = result["response"]
        return response

    tag = secrets.token_hex(3)
    kept = cfg["changes"] * 4 // 5
    t0, c0 = _usage()
    # About 20 % of the changes in an excluded domain, as in the replay.
    set_kept = await bulk_set(f"sensor.rb_{tag}_", kept)
    set_dropped = await bulk_set(f"media_player.rb_{tag}_", cfg["changes"] - kept)
    headers = {"Authorization": f"Bearer {cfg['token']}"}
    async with session.post(
        f"{cfg['url']}/api/states/{REAL_SENTINEL}",
        json={"state": done},
        headers=headers,
    ) as response:
        response.raise_for_status()
    await _wait_for(arrived, CONSUMER_TIMEOUT, "the sentinel")
    mirror.states()  # as in _drive: deferred formatting counts
    t1, c1 = _usage()
    check = _compare(mirror, await client.rest.fetch_states())
    return {
        "wall": t1 - t0,
        "cpu": c1 - c0,
        "wire_bytes": link.bytes_received - bytes0,
        "events": link.events_received - events0,
        "expected_events": kept + 1,
        "remote_set_seconds": set_kept["seconds"] + set_dropped["seconds"],
        "reconnected": client.connected_since != since,
        "maxrss_mb": _maxrss_mb(),
        **check,
    }


async def consume_ha(cfg: dict[str, Any]) -> dict[str, Any]:
    """Run the whole integration in a Home Assistant test instance."""
    sys.path.insert(0, str(REPO))
    # Import the integration before hass can put another custom_components first.
    from homeassistant import loader  # noqa: PLC0415
    from homeassistant.helpers import entity_registry as er  # noqa: PLC0415
    from homeassistant.helpers.aiohttp_client import async_get_clientsession  # noqa: PLC0415
    from homeassistant.setup import async_setup_component  # noqa: PLC0415
    from pytest_homeassistant_custom_component.common import (  # noqa: PLC0415
        MockConfigEntry,
        async_test_home_assistant,
    )

    import custom_components.remote_bridge.const as integration  # noqa: PLC0415

    assert integration.DOMAIN == "remote_bridge"
    local = cfg["consumer"] == "ha+entities"
    with tempfile.TemporaryDirectory(prefix="rb-bench-ha-") as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            assert await async_setup_component(
                hass,
                "http",
                {"http": {"server_host": "127.0.0.1", "server_port": _free_port()}},
            )
            entry = MockConfigEntry(
                domain="remote_bridge",
                title="Bench remote",
                data={
                    "url": cfg["url"],
                    "access_token": cfg["token"],
                    "verify_ssl": True,
                },
                options={"create_entities": local},
            )
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            bridge = entry.runtime_data
            connected_id = er.async_get(hass).async_get_entity_id(
                "binary_sensor", "remote_bridge", f"{entry.entry_id}_connected"
            )
            live = connected_id is not None and hass.states.get(connected_id)
            if not live or live.state != "on":
                raise RuntimeError(f"the bridge's entities are not live: {live}")
            await _use_subscription(bridge.link, cfg)
            if local:
                await _wait_for(
                    lambda: len(_local_states(hass, bridge)) == _supported(bridge),
                    CONSUMER_TIMEOUT,
                    "the local entities",
                )
            result = await _drive(cfg, async_get_clientsession(hass), bridge.link)
            result["entities_live"] = len(
                er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
            )
            if local:
                result["lost"] += _local_lost(hass, bridge)
                result["local_states"] = len(_local_states(hass, bridge))
            assert await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
            await hass.async_stop(force=True)
    return result


def _supported(bridge: Any) -> int:
    """Count the mirrored entities that become local entities."""
    from custom_components.remote_bridge.mirrored import SUPPORTED_DOMAINS  # noqa: PLC0415

    return sum(
        1
        for state in bridge.link.mirror.states()
        if state["entity_id"].partition(".")[0] in SUPPORTED_DOMAINS
    )


def _local_states(hass: Any, bridge: Any) -> dict[str, Any]:
    """Return the local states of the entry's local entities, by remote id."""
    from homeassistant.helpers import entity_registry as er  # noqa: PLC0415

    prefix = f"{bridge.entry.entry_id}-"
    found = {}
    for reg in er.async_entries_for_config_entry(
        er.async_get(hass), bridge.entry.entry_id
    ):
        if reg.unique_id.startswith(prefix) and (
            state := hass.states.get(reg.entity_id)
        ):
            found[reg.unique_id.removeprefix(prefix)] = state
    return found


def _local_lost(hass: Any, bridge: Any) -> int:
    """Count local entities whose state is not the mirror's (or are missing)."""
    from custom_components.remote_bridge.mirrored import SUPPORTED_DOMAINS  # noqa: PLC0415

    local = _local_states(hass, bridge)
    wrong = 0
    for state in bridge.link.mirror.states():
        entity_id = state["entity_id"]
        if entity_id.partition(".")[0] not in SUPPORTED_DOMAINS:
            continue
        have = local.get(entity_id)
        if have is None or have.state != state["state"]:
            wrong += 1
    return wrong


async def _use_subscription(link: Any, cfg: dict[str, Any]) -> None:
    """Reconnect with the run's subscription, unless it is the default.

    The integration always asks for subscribe_entities and coalescing; for the
    other rows it reconnects with other options (the same code paths a remote
    that refuses them would take), before anything is timed.
    """
    client = link.client
    wanted = replace(
        client.options,
        subscribe_entities=cfg["subscription"] == "entities",
        coalesce_messages=cfg["coalesce"],
    )
    if wanted == client.options:
        return
    client.set_options(wanted)
    since = client.connected_since
    await link.reconnect()
    await _wait_for(
        lambda: link.connected and client.connected_since != since,
        CONSUMER_TIMEOUT,
        "the reconnect with the run's subscription",
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _consume_local(cfg: dict[str, Any]) -> dict[str, Any]:
    from local import consume_local  # noqa: PLC0415

    return await consume_local(cfg, DEFAULT_EXCLUDE)


def pin_to_cpu(pid: int, index: int) -> None:
    """Keep a process (0: this one) on one CPU, when there are two or more.

    The replay remote takes the first CPU and each consumer the last, so that
    they do not trade places mid-run: less noise in the figures.
    """
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cpus) >= 2:
        os.sched_setaffinity(pid, {cpus[index]})


def run_consumer(cfg: dict[str, Any]) -> None:
    """Entry point of a consumer subprocess: print one RESULT line."""
    consumers: dict[
        str, Callable[[dict[str, Any]], Coroutine[Any, Any, dict[str, Any]]]
    ] = {
        "floor": consume_floor,
        "loop": consume_floor,
        **dict.fromkeys(LISTENERS, consume_core),
        "ha": consume_ha,
        "ha+entities": consume_ha,
        "bare": _consume_local,
        "write": _consume_local,
    }
    pin_to_cpu(0, -1)
    result = asyncio.run(consumers[cfg["consumer"]](cfg))
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# -- the orchestrator -----------------------------------------------------------


@contextmanager
def replay_remote(
    changes: int, entities: int, token: str, batch: int
) -> Iterator[dict[str, Any]]:
    """Start a replay remote; yield its readiness line; always stop it."""
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            str(REPLAY),
            f"--changes={changes}",
            f"--entities={entities}",
            f"--batch={batch}",
            f"--token={token}",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        pin_to_cpu(proc.pid, 0)
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], REPLAY_READY_TIMEOUT)
        if not ready:
            raise RuntimeError("the replay remote did not get ready in time")
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the replay remote exited with {proc.wait(10)}")
        info: dict[str, Any] = json.loads(line)
        info["url"] = f"http://127.0.0.1:{info['port']}"
        yield info
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def spawn_consumer(cfg: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run one consumer in a fresh interpreter; return its measurements."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(  # noqa: S603
        [sys.executable, str(Path(__file__).resolve()), "consume", json.dumps(cfg)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
        cwd=REPO,
    )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            return result
    raise RuntimeError(
        f"consumer {cfg['consumer']} failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
    )


def derive(result: dict[str, Any], updates: int) -> dict[str, Any]:
    """Add the per-update figures (updates: changes that pass the filter)."""
    return {
        **result,
        "updates": updates,
        "events_per_s": updates / result["wall"],
        "cpu_us": result["cpu"] / updates * 1e6,
        "bytes_per_update": result["wire_bytes"] / updates,
    }


def _say(text: str) -> None:
    print(text, flush=True)


def _kind_name(subscription: str, coalesce: bool) -> str:
    name = "subscribe_entities" if subscription == "entities" else "state_changed"
    return f"{name}{' +coalesce' if coalesce else ''}"


def bench_replay(
    args: argparse.Namespace, changes: int, rows: list[dict[str, Any]]
) -> None:
    """All consumers x kinds x runs against one replay remote, interleaved."""
    token = secrets.token_urlsafe(24)
    with replay_remote(changes, args.entities, token, args.batch) as info:
        by_domain: dict[str, int] = info["changes_by_domain"]
        updates = sum(n for d, n in by_domain.items() if d not in DEFAULT_EXCLUDE)
        _say(
            f"\n## N={changes:,} changes over E={info['entities']:,} entities: "
            f"{updates:,} pass the default filter; replay built in "
            f"{info['build_seconds']:.1f} s; state_changed message "
            f"{info['state_changed_bytes'] / changes:.0f} B, diff message "
            f"{info['diff_bytes'] / changes:.0f} B on average"
        )
        runs: dict[tuple[str, bool, str], list[dict[str, Any]]] = {}
        for run in range(args.runs):
            for subscription, coalesce in args.kinds:
                floor_cpu = core_cpu = bare_cpu = None
                for consumer in args.consumers:
                    if args.quick and consumer in QUICK_DEFAULT_ONLY and not coalesce:
                        continue  # the smoke run stays short
                    cfg = {
                        "consumer": consumer,
                        "url": info["url"],
                        "token": token,
                        "subscription": subscription,
                        "coalesce": coalesce,
                        "sentinel": info["sentinel"],
                        "sentinel_state": info["sentinel_state"],
                        "profile": args.profile,
                    }
                    result = derive(spawn_consumer(cfg, CONSUMER_TIMEOUT), updates)
                    if consumer == "floor":
                        floor_cpu = result["cpu_us"]
                    if consumer == "core":
                        core_cpu = result["cpu_us"]
                    if consumer == "bare":
                        bare_cpu = result["cpu_us"]
                    assert floor_cpu is not None
                    result["ratio"] = result["cpu_us"] / floor_cpu
                    if consumer in LISTENERS and core_cpu is not None:
                        result["x_core"] = result["cpu_us"] / core_cpu
                    if consumer in STATE_MACHINE and bare_cpu is not None:
                        result["x_bare"] = result["cpu_us"] / bare_cpu
                    runs.setdefault((subscription, coalesce, consumer), []).append(
                        result
                    )
                    _say(
                        f"run {run + 1} {_kind_name(subscription, coalesce):28} "
                        f"{consumer:11} {result['events_per_s']:>9,.0f} ev/s "
                        f"{result['cpu_us']:6.2f} µs/ev xfloor {result['ratio']:.2f} "
                        f"{result['bytes_per_update']:6.0f} B/update "
                        f"rss {result['maxrss_mb']:5.0f} MB "
                        f"lost {result.get('lost', '-')} "
                        f"events {result.get('events', result.get('messages'))}"
                        + (
                            f" xbare {result['x_bare']:.2f}"
                            if "x_bare" in result
                            else ""
                        )
                    )
        for (subscription, coalesce, consumer), results in runs.items():
            rows.append(
                {
                    "changes": changes,
                    "kind": _kind_name(subscription, coalesce),
                    "subscription": subscription,
                    "consumer": consumer,
                    "runs": len(results),
                    **{
                        key: statistics.median(r[key] for r in results)
                        for key in (
                            "events_per_s",
                            "cpu_us",
                            "ratio",
                            "bytes_per_update",
                            "maxrss_mb",
                        )
                    },
                    "lost": max((r.get("lost", 0) for r in results), default=0),
                    "checked": consumer in LISTENERS or consumer.startswith("ha"),
                    "x_core": statistics.median(r.get("x_core", 0.0) for r in results),
                    "x_bare": statistics.median(r.get("x_bare", 0.0) for r in results),
                }
            )


def bench_real(args: argparse.Namespace, real_rows: list[dict[str, Any]]) -> None:
    """Run the bridge against a real Home Assistant that sets states flat out."""
    sys.path.insert(0, str(REPO))
    from tests.remote_ha import RemoteHA  # noqa: PLC0415

    changes = args.real_changes
    with tempfile.TemporaryDirectory(prefix="rb-bench-remote-") as tmp:
        remote = RemoteHA(Path(tmp) / "remote")
        try:
            remote.provision()
            remote.start()
            _say(
                f"\n## Real remote: Home Assistant on {remote.url}, bulk_set "
                f"{changes:,} changes (80 % sensor, 20 % media_player) over "
                f"{args.entities:,} entities each, yield_every={args.yield_every}"
            )
            results: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for run in range(args.real_runs):
                for subscription in args.real_subscriptions:
                    for consumer in ("core", "ha"):
                        cfg = {
                            "consumer": consumer,
                            "real": True,
                            "url": remote.url,
                            "token": remote.token,
                            "subscription": subscription,
                            "coalesce": True,
                            "changes": changes,
                            "entities": args.entities,
                            "yield_every": args.yield_every,
                        }
                        result = spawn_consumer(cfg, CONSUMER_TIMEOUT + 60)
                        result["events_per_s"] = result["events"] / result["wall"]
                        result["cpu_us"] = (
                            result["cpu"] / max(result["events"], 1) * 1e6
                        )
                        result["bytes_per_update"] = result["wire_bytes"] / max(
                            result["events"], 1
                        )
                        results.setdefault((subscription, consumer), []).append(result)
                        _say(
                            f"run {run + 1} {_kind_name(subscription, True):28} "
                            f"{consumer:5} {result['events_per_s']:>9,.0f} ev/s "
                            f"{result['cpu_us']:6.2f} µs/ev "
                            f"events {result['events']:,}/"
                            f"{result['expected_events']:,} lost {result['lost']} "
                            f"reconnected {result['reconnected']} "
                            f"(remote set them in {result['remote_set_seconds']:.2f} s)"
                        )
            for (subscription, consumer), runs in results.items():
                real_rows.append(
                    {
                        "kind": _kind_name(subscription, True),
                        "consumer": consumer,
                        "runs": len(runs),
                        "events_per_s": statistics.median(
                            r["events_per_s"] for r in runs
                        ),
                        "cpu_us": statistics.median(r["cpu_us"] for r in runs),
                        "bytes_per_update": statistics.median(
                            r["bytes_per_update"] for r in runs
                        ),
                        "delivered": min(r["events"] for r in runs),
                        "expected": runs[0]["expected_events"],
                        "lost": max(r["lost"] for r in runs),
                        "reconnects": sum(bool(r["reconnected"]) for r in runs),
                    }
                )
        finally:
            remote.stop()


def machine() -> str:
    """Describe the machine the figures come from."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from homeassistant import const as ha_const  # noqa: PLC0415
    except ImportError:
        ha_version = "?"
    else:
        ha_version = ha_const.__version__
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Home Assistant {ha_version}, load average at start "
        f"{os.getloadavg()[0]:.1f}"
    )


def print_tables(
    rows: list[dict[str, Any]], real_rows: list[dict[str, Any]], header: str
) -> None:
    """Print the Markdown tables for the README's Performance section."""
    _say(f"\n### Ingest ({header})\n")
    _say(
        "| N | subscription | consumer | events/s | CPU µs/update | x floor "
        "| wire B/update | peak RSS MB | lost |"
    )
    _say("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        _say(
            f"| {row['changes']:,} | {row['kind']} | {row['consumer']} "
            f"| {row['events_per_s']:,.0f} | {row['cpu_us']:.2f} "
            f"| {row['ratio']:.2f} | {row['bytes_per_update']:,.0f} "
            f"| {row['maxrss_mb']:.0f} | {row['lost'] if row['checked'] else '-'} |"
        )
    listened = [row for row in rows if row["consumer"] in LISTENERS]
    if listened:
        _say("\n### Batch listeners (a stream hub each), CPU per update\n")
        _say("| N | subscription | listeners | CPU µs/update | x no listener |")
        _say("|---:|---|---|---:|---:|")
        for row in listened:
            count, own = LISTENERS[row["consumer"]]
            what = f"{count}{' (each serialises)' if own else ''}"
            _say(
                f"| {row['changes']:,} | {row['kind']} | {what} "
                f"| {row['cpu_us']:.2f} | {row['x_core']:.2f} |"
            )
    local = [row for row in rows if row["consumer"] in STATE_MACHINE]
    if local:
        _say("\n### Into the local state machine (recorder off), per mirrored change\n")
        _say(
            "| N | subscription | consumer | events/s | CPU µs/change | x bare "
            "| peak RSS MB | lost |"
        )
        _say("|---:|---|---|---:|---:|---:|---:|---:|")
        for row in local:
            _say(
                f"| {row['changes']:,} | {row['kind']} "
                f"| {LOCAL_NAMES[row['consumer']]} "
                f"| {row['events_per_s']:,.0f} | {row['cpu_us']:.2f} "
                f"| {row['x_bare']:.2f} | {row['maxrss_mb']:.0f} "
                f"| {row['lost'] if row['checked'] else '-'} |"
            )
    if real_rows:
        _say("\n### Against a real Home Assistant remote at its maximum rate\n")
        _say(
            "| subscription | consumer | events/s | CPU µs/update | wire B/update "
            "| delivered / expected | lost | runs with a reconnect |"
        )
        _say("|---|---|---:|---:|---:|---:|---:|---:|")
        for row in real_rows:
            _say(
                f"| {row['kind']} | {row['consumer']} | {row['events_per_s']:,.0f} "
                f"| {row['cpu_us']:.2f} | {row['bytes_per_update']:,.0f} "
                f"| {row['delivered']:,} / {row['expected']:,} | {row['lost']} "
                f"| {row['reconnects']} of {row['runs']} |"
            )


def print_targets(rows: list[dict[str, Any]], real_rows: list[dict[str, Any]]) -> None:
    """Say which of the issue's targets are met, with the figures."""
    _say("\n### Targets\n")
    for changes in sorted({row["changes"] for row in rows}):
        subset = [row for row in rows if row["changes"] == changes]
        integration = [row for row in subset if row["consumer"] == "ha"]
        if not integration:  # --consumer left the integration out
            continue
        worst = max(integration, key=lambda row: row["ratio"])
        verdict = "met" if worst["ratio"] <= 1.5 else "MISSED"
        _say(
            f"- N={changes:,}: integration CPU per update ≤ 1.5x the floor: {verdict} "
            f"(worst {worst['ratio']:.2f}x with {worst['kind']})"
        )
        loops = {row["kind"]: row for row in subset if row["consumer"] == "loop"}
        for row in subset:
            if row["consumer"] == "ha" and (loop := loops.get(row["kind"])):
                _say(
                    f"  - {row['kind']}: integration {row['ratio']:.2f}x the floor; "
                    f"a bare Python loop over the updates {loop['ratio']:.2f}x; "
                    f"integration / loop {row['cpu_us'] / loop['cpu_us']:.2f}x"
                )
        for coalesce in ("", " +coalesce"):
            by_kind = {
                row["kind"]: row["bytes_per_update"]
                for row in subset
                if row["consumer"] == "ha"
            }
            changed = by_kind.get(f"state_changed{coalesce}")
            entities = by_kind.get(f"subscribe_entities{coalesce}")
            if changed and entities:
                factor = changed / entities
                verdict = "met" if factor >= 5 else "MISSED"
                _say(
                    f"- N={changes:,}{coalesce or ''}: wire bytes per update, "
                    f"subscribe_entities {factor:.1f}x fewer than state_changed "
                    f"({entities:,.0f} vs {changed:,.0f} B): {verdict}"
                )
        for row in subset:
            count, own = LISTENERS.get(row["consumer"], (0, False))
            if count and not own:
                verdict = "met" if row["x_core"] <= 1.2 else "MISSED"
                _say(
                    f"- N={changes:,} {row['kind']}: {count} listener(s) cost "
                    f"{row['x_core']:.2f}x the link without listeners (≤ 1.2x): "
                    f"{verdict}"
                )
        for row in subset:
            if row["consumer"] == "ha+entities" and row["x_bare"]:
                verdict = "met" if row["x_bare"] <= 1.5 else "MISSED"
                _say(
                    f"- N={changes:,} {row['kind']}: create_entities costs "
                    f"{row['x_bare']:.2f}x a bare async_set consumer (≤ 1.5x): "
                    f"{verdict}"
                )
        by = {(row["consumer"], row["kind"]): row["cpu_us"] for row in subset}
        default = by.get(("ha+entities", "subscribe_entities +coalesce"))
        peer = by.get(("bare", "state_changed +coalesce"))
        if default and peer:
            # remote_homeassistant's own path: state_changed events, async_set.
            _say(
                f"- N={changes:,}: create_entities on its default subscription "
                f"{default:.2f} µs per change, {default / peer:.2f}x a bare async_set "
                f"consumer of state_changed events ({peer:.2f} µs; medians)"
            )
        lost = sum(row["lost"] for row in subset if row["checked"])
        _say(f"- N={changes:,}: mirror equals the replay's final states: {lost == 0}")
    if real_rows:
        lost = max(row["lost"] for row in real_rows)
        short = [row for row in real_rows if row["delivered"] < row["expected"]]
        _say(
            f"- real remote at its maximum rate: lost updates {lost} "
            f"({'met' if lost == 0 else 'MISSED'}); events delivered short of "
            f"expected in {len(short)} of {len(real_rows)} rows"
        )


def _kind_option(subscription: str, coalesce: bool) -> str:
    return f"{subscription}{'+coalesce' if coalesce else ''}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the orchestrator's command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--changes",
        type=int,
        action="append",
        help="N changes per stream (repeatable; default 20000 and 100000)",
    )
    parser.add_argument("--entities", type=int, default=2_000, help="E (2000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (3)")
    parser.add_argument(
        "--batch", type=int, default=256, help="messages per coalesced frame (256)"
    )
    parser.add_argument("--real-changes", type=int, default=50_000)
    parser.add_argument("--real-runs", type=int, default=1)
    parser.add_argument("--yield-every", type=int, default=200)
    parser.add_argument("--no-real", action="store_true", help="skip the real remote")
    parser.add_argument(
        "--kind",
        action="append",
        choices=[_kind_option(*kind) for kind in KINDS],
        help="only these subscriptions (repeatable; default all four)",
    )
    parser.add_argument(
        "--consumer",
        action="append",
        choices=CONSUMERS,
        help="only these consumers (repeatable; the floor always runs)",
    )
    parser.add_argument(
        "--local",
        action="store_true",
        help="create_entities against bare async_set and async_write_ha_state: "
        "N = 100,000, both coalesced subscriptions, no real remote",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="cProfile the timed window of core/ha consumers into DIR (slows them)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: tiny N, one run"
    )
    args = parser.parse_args(argv)
    if args.local:
        args.kind = args.kind or ["entities+coalesce", "state_changed+coalesce"]
        args.changes = args.changes or [100_000]
        args.consumer = args.consumer or list(LOCAL_CONSUMERS)
        args.no_real = True
    wanted = args.consumer or (CONSUMERS if args.quick else DEFAULT_CONSUMERS)
    args.consumers = [c for c in CONSUMERS if c == "floor" or c in wanted]
    args.kinds = [
        kind for kind in KINDS if not args.kind or _kind_option(*kind) in args.kind
    ]
    args.real_subscriptions = ("entities", "state_changed")
    if args.quick:
        args.real_subscriptions = ("entities",)
        args.changes = args.changes or [2_000]
        args.entities = min(args.entities, 500)
        args.runs = 1
        args.real_changes = min(args.real_changes, 2_000)
        args.real_runs = 1
    args.changes = args.changes or [20_000, 100_000]
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, or (``consume``) one consumer."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["consume"]:
        run_consumer(json.loads(argv[1]))
        return 0
    args = parse_args(argv)
    started = time.perf_counter()
    header = machine()
    _say(f"# Remote Bridge ingest benchmark\n\n{header}")
    rows: list[dict[str, Any]] = []
    real_rows: list[dict[str, Any]] = []
    for changes in args.changes:
        bench_replay(args, changes, rows)
    if not args.no_real:
        bench_real(args, real_rows)
    print_tables(rows, real_rows, header)
    print_targets(rows, real_rows)
    _say(f"\nTotal {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
