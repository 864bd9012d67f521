"""Benchmark the HTTP views against Home Assistant's own REST API, same server.

    .venv/bin/python benchmarks/views.py           # 2,000 mirrored entities
    .venv/bin/python benchmarks/views.py --quick   # a tiny smoke run

One in-process test Home Assistant (pytest-homeassistant-custom-component's
``async_test_home_assistant``) serves http, api and websocket_api on 127.0.0.1
and runs a bridge to itself, so the bridge's ``/states`` and HA's ``/api/states``
answer from the same process over the same loopback socket. Requests are
sequential over one keep-alive connection, alternating bridge and HA; requests/s
is 1 / mean latency. The client runs in the same loop, so every figure includes
the client's own cost, equally for both sides.
Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import statistics
import sys
import time

import aiohttp
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from homeassistant import loader
from homeassistant.auth.models import TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.remote_bridge.const import DEFAULT_OPTIONS, DOMAIN


def seed(hass: HomeAssistant, count: int) -> None:
    """Set ``count`` realistic sensors (about 400 bytes of JSON each)."""
    for number in range(count):
        hass.states.async_set(
            f"sensor.bench_{number:05d}",
            str(number % 97),
            {
                "unit_of_measurement": "°C",
                "device_class": "temperature",
                "state_class": "measurement",
                "friendly_name": f"Bench sensor {number}",
                "icon": "mdi:thermometer",
            },
        )


async def admin_token(hass: HomeAssistant) -> str:
    """Mint a long-lived token of a new admin user."""
    user = await hass.auth.async_create_user("bench", group_ids=["system-admin"])
    refresh = await hass.auth.async_create_refresh_token(
        user,
        client_name="benchmark",
        token_type=TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN,
    )
    return hass.auth.async_create_access_token(refresh)


async def timed_get(session: aiohttp.ClientSession, url: str) -> tuple[float, int]:
    """Return the seconds one GET of ``url`` took, and the body's size."""
    begin = time.perf_counter()
    async with session.get(url) as response:
        body = await response.read()
    assert response.status == 200, (url, response.status)
    return time.perf_counter() - begin, len(body)


async def measure(
    session: aiohttp.ClientSession, urls: tuple[str, str], requests: int
) -> list[tuple[float, float, int]]:
    """Return median latency (ms), requests/s and body size for each URL.

    The two URLs are requested alternately, so drift in the machine's speed
    weighs on both alike.
    """
    for _ in range(min(20, requests)):  # warm up caches and the connection
        for url in urls:
            await timed_get(session, url)
    latencies: list[list[float]] = [[], []]
    sizes = [0, 0]
    for _ in range(requests):
        for index, url in enumerate(urls):
            seconds, sizes[index] = await timed_get(session, url)
            latencies[index].append(seconds)
    return [
        (statistics.median(times) * 1000, len(times) / sum(times), size)
        for times, size in zip(latencies, sizes, strict=True)
    ]


async def run(entities: int, single_requests: int, all_requests: int) -> None:
    """Boot the test hass, bridge it to itself, and time both APIs."""
    async with async_test_home_assistant() as hass:
        hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
        # The views are registered before the server freezes its router.
        for component in ("http", "api", "websocket_api", DOMAIN):
            assert await async_setup_component(hass, component, {})
        server = TestServer(hass.http.app, host="127.0.0.1")
        await server.start_server()
        token = await admin_token(hass)
        seed(hass, entities)
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Bench",
            data={
                "url": str(server.make_url("")).rstrip("/"),
                "access_token": token,
                "verify_ssl": True,
            },
            options={**DEFAULT_OPTIONS, "entity_filters": ["sensor.bench_"]},
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        mirror = entry.runtime_data.link.mirror
        assert len(mirror) == entities  # the snapshot is part of the setup

        ours = f"/api/remote_bridge/{entry.entry_id}/states"
        one = "sensor.bench_01000" if entities > 1000 else "sensor.bench_00001"
        pairs = [
            ("states/{id}", f"{ours}/{one}", f"/api/states/{one}", single_requests),
            ("states", ours, "/api/states", all_requests),
        ]
        print(
            f"{entities} mirrored entities ({len(hass.states.async_all())} on the "
            f"server); sequential requests over one connection, 127.0.0.1"
        )
        for encoding in ("identity", "gzip, deflate"):
            headers = {
                "Authorization": f"Bearer {token}",
                "Accept-Encoding": encoding,
            }
            print(f"\nAccept-Encoding: {encoding}")
            print(
                f"{'endpoint':<18}{'bridge ms':>10}{'HA ms':>9}{'ratio':>7}"
                f"{'bridge rps':>12}{'HA rps':>9}{'ratio':>7}{'bytes':>10}"
            )
            async with aiohttp.ClientSession(
                base_url=server.make_url(""), headers=headers
            ) as session:
                for label, bridge_url, ha_url, requests in pairs:
                    (b_ms, b_rps, size), (h_ms, h_rps, _) = await measure(
                        session, (bridge_url, ha_url), requests
                    )
                    print(
                        f"{label[:17]:<18}{b_ms:>10.3f}{h_ms:>9.3f}{b_ms / h_ms:>7.2f}"
                        f"{b_rps:>12.0f}{h_rps:>9.0f}{b_rps / h_rps:>7.2f}{size:>10}"
                    )
        counters = mirror.counters
        print(f"\nmirror: hits {counters.hits}, misses {counters.misses}")
        await hass.config_entries.async_unload(entry.entry_id)
        await server.close()
        await hass.async_stop(force=True)


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run")
    args = parser.parse_args()
    if args.quick:
        asyncio.run(run(entities=100, single_requests=50, all_requests=20))
    else:
        asyncio.run(run(entities=2000, single_requests=2000, all_requests=200))


if __name__ == "__main__":
    main()
