"""Run a separate, real Home Assistant process as "the remote" of Remote Bridge.

Works from pytest and from plain scripts (put ``tests/`` on ``sys.path``): it
imports neither pytest nor ``custom_components``, and Home Assistant itself only
inside the ``mint`` subprocess. Everything binds and connects to 127.0.0.1 only.

    async with RemoteHA(tmp_path / "remote") as remote:  # provision, start
        await remote.set_state("sensor.x", "1")           # stop, aclose on exit

or ``remote.start()`` ... ``remote.stop()`` (in ``finally``) from sync code; call
``await remote.aclose()`` in each event loop that used the data helpers.

Command line::

    python tests/remote_ha.py check                 # provision, start, smoke, stop
    python tests/remote_ha.py serve DIR [--port N]  # run until Ctrl-C, print login
    python tests/remote_ha.py mint DIR USER [--user] [--client NAME ...]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import base64
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
import contextlib
from datetime import timedelta
from functools import partial
import json
import os
from pathlib import Path
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from types import TracebackType
from typing import Any, Self
import urllib.error
import urllib.request

import aiohttp

HELPER_COMPONENT = (
    Path(__file__).resolve().parent / "remote_components" / "rb_test_helper"
)
# Remote Bridge itself, for a remote that bridges back (copied like the helper).
INTEGRATION_COMPONENT = (
    Path(__file__).resolve().parent.parent / "custom_components" / "remote_bridge"
)
CREDENTIALS_FILE = ".rb_credentials.json"
TOKEN_LIFESPAN_DAYS = 3650
OWNER = "owner"
CLIENT = "remote_bridge"  # client name of RemoteHA.token
ADMIN_CLIENT = "rb_admin"  # client name of RemoteHA.admin_token
_LIVE: set[subprocess.Popen[bytes]] = set()


def child_env() -> dict[str, str]:
    """Return this environment without pytest-cov's subprocess hook.

    A Home Assistant process traced for coverage starts several times slower,
    and none of its code is ours.
    """
    return {k: v for k, v in os.environ.items() if not k.startswith("COV_CORE_")}


class RemoteHAError(Exception):
    """The remote failed to start, answered an error, or closed the socket."""


class CommandError(RemoteHAError):
    """A websocket command answered ``success: false``."""

    def __init__(self, code: str, message: str) -> None:
        """Keep the remote's error code."""
        super().__init__(f"{code}: {message}")
        self.code = code


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_credentials(config_dir: Path) -> dict[str, dict[str, Any]]:
    """Return ``{username: {"password", "owner", "tokens": {client: token}}}``."""
    path = Path(config_dir) / CREDENTIALS_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def mint_credentials(
    config_dir: Path,
    username: str,
    *,
    owner: bool = True,
    clients: Iterable[str] = (CLIENT,),
    python: str = sys.executable,
) -> dict[str, Any]:
    """Create a user with a password and long-lived tokens, OFFLINE.

    Runs HA's own auth API in a subprocess (so a caller's event loop and
    pytest-homeassistant-custom-component's patches are not disturbed) while the
    instance is NOT running. ``owner``: owner in ``system-admin``; otherwise a plain
    ``system-users`` member. Marks onboarding done. Stores and returns the entry of
    ``config_dir/.rb_credentials.json``.
    """
    config_dir = Path(config_dir).resolve()
    config_dir.mkdir(parents=True, exist_ok=True)
    args = [python, str(Path(__file__).resolve()), "mint", str(config_dir), username]
    args += [f"--client={client}" for client in clients]
    if not owner:
        args.append("--user")
    proc = subprocess.run(  # noqa: S603
        args, capture_output=True, text=True, check=False, timeout=120, env=child_env()
    )
    if proc.returncode:
        raise RemoteHAError(f"minting {username} failed:\n{proc.stderr[-3000:]}")
    return load_credentials(config_dir)[username]


def mint_token(
    config_dir: Path, username: str, *, owner: bool = True, python: str = sys.executable
) -> str:
    """Create a user (see `mint_credentials`) and return its long-lived token."""
    creds = mint_credentials(config_dir, username, owner=owner, python=python)
    return str(creds["tokens"][CLIENT])


def _token_id(token: str) -> str:
    """Return the refresh token id of an access token (its JWT ``iss`` claim)."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["iss"])


def _run_in_thread[T](func: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine function in a fresh loop, even if the caller has a loop."""

    async def runner() -> T:
        return await func()

    with ThreadPoolExecutor(1, thread_name_prefix="remote-ha") as pool:
        return pool.submit(asyncio.run, runner()).result()


@atexit.register
def _kill_leftovers() -> None:
    """Never leave a remote behind, even when a caller forgot to stop it."""
    for proc in list(_LIVE):
        proc.kill()
        proc.wait()


class RemoteHA:
    """A real Home Assistant process on 127.0.0.1 with a provisioned owner."""

    def __init__(
        self,
        config_dir: Path,
        *,
        port: int | None = None,
        name: str = "Remote Home",
        python: str = sys.executable,
        extra_config: str = "",
        components: Iterable[Path] = (HELPER_COMPONENT,),
    ) -> None:
        """Describe the remote; nothing is written or started yet."""
        self.config_dir = Path(config_dir).resolve()
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.name = name
        # Absolute, not resolved: a venv python is a symlink, and HA runs elsewhere.
        self.python = os.path.abspath(python)  # noqa: PTH100
        self.extra_config = extra_config
        self.components = tuple(Path(path) for path in components)
        self.username = OWNER
        self.password = ""
        self.token = ""
        self.admin_token = ""
        self.log_path = self.config_dir / "remote_ha.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.provision_seconds: float | None = None
        self.startup_seconds: float | None = None
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None

    # -- provisioning and process control ---------------------------------------

    def _configuration(self) -> str:
        """Return a minimal configuration.yaml (no default_config: slow)."""
        lines = [
            "homeassistant:",
            f"  name: {json.dumps(self.name)}",
            "  latitude: 52.3731",
            "  longitude: 4.8922",
            "  elevation: 0",
            "  unit_system: metric",
            "  time_zone: UTC",
            "  currency: EUR",
            "  country: NL",
            "http:",
            "  server_host: 127.0.0.1",
            f"  server_port: {self.port}",
            "api:",
            "websocket_api:",
        ]
        lines += [f"{p.name}:" for p in self.components if p == HELPER_COMPONENT]
        return "\n".join(lines) + "\n" + self.extra_config + "\n"

    def provision(self) -> None:
        """Write config, copy components, mint owner + tokens (reused if present)."""
        started = time.perf_counter()
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(self._configuration())
        for component in self.components:
            shutil.copytree(
                component,
                self.config_dir / "custom_components" / component.name,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__"),
            )
        creds = load_credentials(self.config_dir).get(OWNER) or mint_credentials(
            self.config_dir, OWNER, clients=(CLIENT, ADMIN_CLIENT), python=self.python
        )
        self.password = creds["password"]
        self.token = self.token or creds["tokens"][CLIENT]  # keep a newer one
        self.admin_token = creds["tokens"][ADMIN_CLIENT]
        self.provision_seconds = time.perf_counter() - started

    @property
    def running(self) -> bool:
        """Return whether the process is alive (paused counts as alive)."""
        return self.process is not None and self.process.poll() is None

    def log_tail(self, size: int = 4000) -> str:
        """Return the end of the remote's console log."""
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(max(0, self.log_path.stat().st_size - size))
            return log.read().decode(errors="replace")

    def start(self, timeout: float = 60) -> None:
        """Start HA and wait until ``GET /api/`` answers 200; kill it on failure."""
        if self.running:
            return
        if not self.admin_token:
            self.provision()
        with socket.socket() as sock:  # fail clearly instead of polling a stranger
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT ok
            try:
                sock.bind(("127.0.0.1", self.port))
            except OSError as err:
                raise RemoteHAError(f"port {self.port} is in use") from err
        started = time.perf_counter()
        with self.log_path.open("ab") as log:
            log_start = log.tell()
            self.process = subprocess.Popen(  # noqa: S603
                [
                    *(self.python, "-m", "homeassistant", "-c", str(self.config_dir)),
                    *("--skip-pip", "--log-no-color"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.config_dir,
                env=child_env(),
            )
        _LIVE.add(self.process)
        try:
            self._wait_ready(started + timeout, log_start)
            # HA 2026.x reverts a YAML http: block after 5 min unless promoted.
            with contextlib.suppress(CommandError):
                _run_in_thread(
                    partial(self._ws_once, {"type": "http/config/promote"}, None)
                )
        except BaseException:
            self.kill()
            raise
        self.startup_seconds = time.perf_counter() - started

    def _wait_ready(self, deadline: float, log_start: int) -> None:
        """Poll ``/api/`` with the admin token until it answers 200.

        Gives up at once if the process exits or falls into recovery mode (a
        broken configuration.yaml: it would never serve the API).
        """
        assert self.process is not None
        # /api/config, not /api/: newer HA answers the API while still starting
        # (late components, rb_test_helper's services); its state says RUNNING.
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/api/config",
            headers={"Authorization": f"Bearer {self.admin_token}"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.perf_counter() < deadline:
            if (code := self.process.poll()) is not None:
                raise RemoteHAError(f"remote exited with {code}:\n{self.log_tail()}")
            with self.log_path.open("rb") as log:
                log.seek(log_start)
                if b"Activating recovery mode" in log.read():
                    raise RemoteHAError(f"remote in recovery mode:\n{self.log_tail()}")
            try:
                with opener.open(request, timeout=2) as response:
                    if json.loads(response.read()).get("state") == "RUNNING":
                        return
            except urllib.error.HTTPError as err:
                if err.code == 401:
                    raise RemoteHAError("remote rejected the admin token") from err
            except OSError:
                pass
            time.sleep(0.05)
        raise RemoteHAError(f"remote not ready in time:\n{self.log_tail()}")

    def _forget(self) -> None:
        """Drop the finished process."""
        if self.process is not None:
            _LIVE.discard(self.process)
            self.process = None

    def stop(self, timeout: float = 30) -> None:
        """Stop gracefully (SIGTERM, also when paused); kill after `timeout`."""
        if (proc := self.process) is None:
            return
        if proc.poll() is None:
            proc.terminate()
            proc.send_signal(signal.SIGCONT)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._forget()

    def kill(self) -> None:
        """Kill at once (SIGKILL): a crash or power cut of the remote."""
        if (proc := self.process) is None:
            return
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        self._forget()

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): sockets stay open, nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Continue a paused process (SIGCONT)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    async def async_start(self, timeout: float = 60) -> None:  # noqa: ASYNC109
        """Start without blocking the event loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.start, timeout)

    async def async_stop(self, timeout: float = 30) -> None:  # noqa: ASYNC109
        """Stop without blocking the event loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.stop, timeout)

    async def async_kill(self) -> None:
        """Kill without blocking the event loop."""
        await asyncio.get_running_loop().run_in_executor(None, self.kill)

    def __enter__(self) -> Self:
        """Start; stop on exit."""
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop."""
        self.stop()

    async def __aenter__(self) -> Self:
        """Start; stop and close the HTTP session on exit."""
        await self.async_start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the session and stop."""
        try:
            await self.aclose()
        finally:
            await self.async_stop()

    # -- data helpers (aiohttp) ----------------------------------------------------

    def _http(self) -> aiohttp.ClientSession:
        """Return a session of the running loop (a new loop gets a new session)."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop != loop:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=300)
            )
            self._session_loop = loop
        return self._session

    async def aclose(self) -> None:
        """Close the session of this loop; call once per event loop used."""
        if self._session is not None and not self._session.closed:
            if self._session_loop == asyncio.get_running_loop():
                await self._session.close()
            self._session = None

    async def rest(self, method: str, path: str, data: Any = None) -> Any:
        """Call the REST API with `token`; raise RemoteHAError on >= 400."""
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self._http().request(
            method, f"{self.url}{path}", json=data, headers=headers
        ) as resp:
            if resp.status >= 400:
                text = await resp.text()
                raise RemoteHAError(f"{method} {path}: {resp.status} {text}")
            return await resp.json()

    async def set_state(
        self, entity_id: str, state: str, attributes: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Set a state through REST (it does not survive a restart)."""
        data = {"state": state, "attributes": attributes or {}}
        result: dict[str, Any] = await self.rest(
            "POST", f"/api/states/{entity_id}", data
        )
        return result

    async def remove_state(self, entity_id: str) -> None:
        """Remove a state through REST; an unknown entity is fine."""
        with contextlib.suppress(RemoteHAError):
            await self.rest("DELETE", f"/api/states/{entity_id}")

    async def states(self) -> list[dict[str, Any]]:
        """Return all states (REST)."""
        result: list[dict[str, Any]] = await self.rest("GET", "/api/states")
        return result

    async def services(self) -> list[dict[str, Any]]:
        """Return all services (REST, ``[{"domain", "services"}]``)."""
        result: list[dict[str, Any]] = await self.rest("GET", "/api/services")
        return result

    @staticmethod
    async def _ws_auth(ws: aiohttp.ClientWebSocketResponse, token: str) -> str:
        """Authenticate a fresh socket; return the answer's type."""
        first = await ws.receive_json()
        if first.get("type") != "auth_required":
            raise RemoteHAError(f"unexpected first message {first}")
        await ws.send_json({"type": "auth", "access_token": token})
        return str((await ws.receive_json())["type"])

    async def _ws_session(
        self,
        session: aiohttp.ClientSession,
        msg: dict[str, Any],
        token: str | None,
    ) -> Any:
        """Connect, authenticate, run one command, return its result."""
        async with session.ws_connect(f"{self.url}/api/websocket") as ws:
            kind = await self._ws_auth(ws, token or self.token)
            if kind != "auth_ok":
                raise RemoteHAError(f"websocket authentication: {kind}")
            await ws.send_json({**msg, "id": 1})
            while True:
                frame = await ws.receive()
                if frame.type != aiohttp.WSMsgType.TEXT:
                    raise RemoteHAError(f"websocket closed: {frame.type!r}")
                reply = json.loads(frame.data)
                if reply.get("id") == 1 and reply.get("type") == "result":
                    break
        if not reply["success"]:
            error = reply.get("error", {})
            raise CommandError(error.get("code", "?"), error.get("message", ""))
        return reply["result"]

    async def _ws_once(self, msg: dict[str, Any], token: str | None) -> Any:
        """Run one command with a throw-away session (for a foreign loop)."""
        async with aiohttp.ClientSession() as session:
            return await self._ws_session(session, msg, token or self.admin_token)

    async def ws_command(self, msg: dict[str, Any], *, token: str | None = None) -> Any:
        """Run one websocket command (new socket, auth with `token`); return result."""
        return await self._ws_session(self._http(), msg, token)

    async def auth_result(self, token: str | None = None) -> str:
        """Return ``auth_ok`` or ``auth_invalid`` for a websocket login."""
        async with self._http().ws_connect(f"{self.url}/api/websocket") as ws:
            return await self._ws_auth(ws, token or self.token)

    async def call_service(
        self, domain: str, service: str, data: dict[str, Any] | None = None
    ) -> Any:
        """Call a service over the websocket and wait for it to finish."""
        msg = {"type": "call_service", "domain": domain, "service": service}
        return await self.ws_command({**msg, "service_data": data or {}})

    async def add_config_entry(
        self,
        handler: str,
        user_input: dict[str, Any],
        options: dict[str, Any] | None = None,
    ) -> str:
        """Add a config entry through the config flow, then save ``options``.

        Goes through the REST flow endpoints as the frontend does (the
        remote's configuration needs ``config:``); returns the entry id.
        """
        flow = await self.rest(
            "POST", "/api/config/config_entries/flow", {"handler": handler}
        )
        result = await self.rest(
            "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", user_input
        )
        if result.get("type") != "create_entry":
            raise RemoteHAError(f"config flow of {handler}: {result}")
        entry_id: str = result["result"]["entry_id"]
        if options is not None:
            flow = await self.rest(
                "POST", "/api/config/config_entries/options/flow", {"handler": entry_id}
            )
            result = await self.rest(
                "POST",
                f"/api/config/config_entries/options/flow/{flow['flow_id']}",
                options,
            )
            if result.get("type") != "create_entry":
                raise RemoteHAError(f"options flow of {handler}: {result}")
        return entry_id

    async def bulk_set_states(
        self,
        count: int,
        *,
        prefix: str = "sensor.bulk_",
        entities: int = 100,
        yield_every: int | None = None,
    ) -> dict[str, Any]:
        """Set `count` states inside the remote's loop; return count and seconds.

        ``yield_every=None`` never yields, so a subscriber that cannot keep up is
        dropped by the remote (its queue holds about 4,096 messages).
        """
        data = {"count": count, "prefix": prefix, "entities": entities}
        if yield_every:
            data["yield_every"] = yield_every
        result = await self.ws_command(
            {
                "type": "call_service",
                "domain": "rb_test_helper",
                "service": "bulk_set",
                "service_data": data,
                "return_response": True,
            }
        )
        response: dict[str, Any] = result["response"]
        return response

    async def register_service(self, domain: str, service: str) -> None:
        """Register a no-op service ``domain.service`` on the remote."""
        data = {"domain": domain, "service": service}
        await self.call_service("rb_test_helper", "register_service", data)

    async def remove_service(self, domain: str, service: str) -> None:
        """Remove ``domain.service`` from the remote."""
        data = {"domain": domain, "service": service}
        await self.call_service("rb_test_helper", "remove_service", data)

    async def revoke_token(self) -> None:
        """Delete the refresh token behind `token`: its next login is auth_invalid.

        Sockets authenticated with it are closed by the remote. `token` keeps the
        revoked value; `create_token` makes a new one.
        """
        msg = {"type": "auth/delete_refresh_token"}
        msg["refresh_token_id"] = _token_id(self.token)
        try:
            await self.ws_command(msg, token=self.admin_token)
        except RemoteHAError:
            if self.token != self.admin_token:  # else the socket died with it
                raise

    async def create_token(self, name: str) -> str:
        """Create a long-lived token named `name` (admin token), make it `token`."""
        msg = {"type": "auth/long_lived_access_token", "client_name": name}
        token: str = await self.ws_command(
            {**msg, "lifespan": TOKEN_LIFESPAN_DAYS}, token=self.admin_token
        )
        self.token = token
        return token


# -- offline minting (runs in a subprocess) -----------------------------------------


async def _mint(
    config_dir: Path, username: str, owner: bool, clients: list[str]
) -> None:
    """Create user, password and tokens with HA's own auth API; mark onboarded."""
    # Imported here: only this subprocess loads Home Assistant.
    from homeassistant.auth import auth_manager_from_config  # noqa: PLC0415
    from homeassistant.auth.const import GROUP_ID_ADMIN, GROUP_ID_USER  # noqa: PLC0415
    from homeassistant.auth.models import TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN  # noqa: PLC0415
    from homeassistant.auth.providers.homeassistant import HassAuthProvider  # noqa: PLC0415
    from homeassistant.components.onboarding.const import STEPS  # noqa: PLC0415
    from homeassistant.core import CoreState, HomeAssistant  # noqa: PLC0415
    from homeassistant.helpers import device_registry as dr, entity_registry as er  # noqa: PLC0415
    from homeassistant.helpers.storage import Store  # noqa: PLC0415

    hass = HomeAssistant(str(config_dir))
    # Newer auth stores need the device registry ("Device registry not set up").
    if hasattr(dr, "async_setup"):
        dr.async_setup(hass)
    await dr.async_load(hass)
    await er.async_load(hass)
    hass.auth = await auth_manager_from_config(hass, [{"type": "homeassistant"}], [])
    provider = hass.auth.auth_providers[0]
    assert isinstance(provider, HassAuthProvider)
    await provider.async_initialize()
    assert provider.data is not None
    password = secrets.token_urlsafe(12)
    provider.data.add_auth(username, password)
    await provider.data.async_save()
    credentials = await provider.async_get_or_create_credentials({"username": username})
    # HA's public API makes the first user the owner, and no later one.
    user = await hass.auth.async_create_user(
        username, group_ids=[GROUP_ID_ADMIN if owner else GROUP_ID_USER]
    )
    if user.is_owner != owner:
        raise RemoteHAError(f"{username}: the owner must be minted first, and once")
    await hass.auth.async_link_user(user, credentials)
    tokens = {}
    for client in clients:
        refresh = await hass.auth.async_create_refresh_token(
            user,
            client_name=client,
            token_type=TOKEN_TYPE_LONG_LIVED_ACCESS_TOKEN,
            access_token_expiration=timedelta(days=TOKEN_LIFESPAN_DAYS),
        )
        tokens[client] = hass.auth.async_create_access_token(refresh)
    # Version 4 of the onboarding store; older versions would be migrated.
    onboarding = Store[dict[str, Any]](hass, 4, "onboarding", private=True)
    await onboarding.async_save({"done": STEPS})
    # A never-started hass ignores async_stop; "running" makes it do the final
    # write of the delayed saves (.storage/auth).
    hass.set_state(CoreState.running)
    await hass.async_stop()

    all_creds = load_credentials(config_dir)
    all_creds[username] = {"password": password, "owner": owner, "tokens": tokens}
    path = config_dir / CREDENTIALS_FILE
    path.write_text(json.dumps(all_creds, indent=2))
    path.chmod(0o600)


async def _check() -> None:
    """Provision and start a remote in a temp dir, exercise it, stop it."""
    with tempfile.TemporaryDirectory(prefix="remote_ha_") as tmp:
        remote = RemoteHA(Path(tmp))
        remote.provision()
        _say(f"provision (mint): {remote.provision_seconds:.2f} s")
        try:
            await remote.async_start()
            _say(f"start-up to API ready: {remote.startup_seconds:.2f} s")
            await remote.set_state("sensor.check", "42", {"unit_of_measurement": "W"})
            assert any(s["entity_id"] == "sensor.check" for s in await remote.states())
            result = await remote.bulk_set_states(50_000)
            _say(f"bulk_set 50,000 states (no subscriber): {result['seconds']:.3f} s")
            await remote.register_service("rb_check", "ping")
            assert any(s["domain"] == "rb_check" for s in await remote.services())
            await remote.revoke_token()
            assert await remote.auth_result() == "auth_invalid"
            await remote.create_token("again")
            assert await remote.auth_result() == "auth_ok"
        finally:
            await remote.aclose()
            stopped = time.perf_counter()
            await remote.async_stop()
            _say(f"stop: {time.perf_counter() - stopped:.2f} s")
    _say("ok")


def _serve(config_dir: Path, port: int | None) -> None:
    """Run a remote until Ctrl-C and print how to reach it."""
    remote = RemoteHA(config_dir, port=port)
    try:
        remote.start()
        _say(f"url: {remote.url}\nuser: {remote.username} / {remote.password}")
        _say(f"token: {remote.token}\nlog: {remote.log_path}\nCtrl-C stops it.")
        with contextlib.suppress(KeyboardInterrupt):
            while remote.running:
                time.sleep(1)
    finally:
        remote.stop()


def _say(text: str) -> None:
    """Print a line of the command-line interface."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    """Command line: check, serve, mint."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("check")
    serve = sub.add_parser("serve")
    serve.add_argument("config_dir", type=Path)
    serve.add_argument("--port", type=int)
    mint = sub.add_parser("mint")
    mint.add_argument("config_dir", type=Path)
    mint.add_argument("username")
    mint.add_argument("--user", action="store_true", help="not owner, not admin")
    mint.add_argument("--client", action="append", default=[])
    args = parser.parse_args(argv)
    if args.cmd == "check":
        asyncio.run(_check())
    elif args.cmd == "serve":
        _serve(args.config_dir.resolve(), args.port)
    else:
        clients = args.client or [CLIENT]
        config_dir = args.config_dir.resolve()
        asyncio.run(_mint(config_dir, args.username, not args.user, clients))


if __name__ == "__main__":
    main()
