"""Small builders shared by the mirror tests."""

from __future__ import annotations

from typing import Any


class FakeClock:
    """An injectable monotonic clock."""

    def __init__(self) -> None:
        """Start at an arbitrary time."""
        self.now = 1000.0

    def __call__(self) -> float:
        """Return the current fake time."""
        return self.now


def st8(entity_id: str, state: str = "on", **attributes: Any) -> dict[str, Any]:
    """Return a full state in /api/states shape."""
    return {
        "entity_id": entity_id,
        "state": state,
        "attributes": attributes,
        "last_changed": "2026-11-26T12:00:00+00:00",
        "last_reported": "2026-11-26T12:00:00+00:00",
        "last_updated": "2026-11-26T12:00:00+00:00",
        "context": {"id": "C", "parent_id": None, "user_id": None},
    }


class FakeRemote:
    """A client stand-in for MirrorReader: REST reads of a truth dict."""

    def __init__(self, truth: dict[str, dict[str, Any]] | None = None) -> None:
        """Serve ``truth``; count the fetches."""
        self.truth = truth if truth is not None else {}
        self.services_list: list[dict[str, Any]] = [{"domain": "x", "services": {}}]
        self.state_fetches = 0
        self.all_fetches = 0
        self.service_fetches = 0
        self.fail: Exception | None = None

    async def fetch_state(self, entity_id: str) -> dict[str, Any] | None:
        """GET /api/states/<id>."""
        self.state_fetches += 1
        if self.fail is not None:
            raise self.fail
        return self.truth.get(entity_id)

    async def fetch_states(self) -> list[dict[str, Any]]:
        """GET /api/states."""
        self.all_fetches += 1
        if self.fail is not None:
            raise self.fail
        return list(self.truth.values())

    async def fetch_services(self) -> list[dict[str, Any]]:
        """GET /api/services."""
        self.service_fetches += 1
        return self.services_list


class Wired:
    """A RemoteLink to a test remote, recording what it reports."""

    def __init__(
        self,
        session: Any,
        url: str,
        token: str,
        *,
        entity_filter: Any = None,
        update_cache: bool = True,
        **options: Any,
    ) -> None:
        """Build the link (not connected yet); a fake sleep records delays."""
        from custom_components.remote_bridge.remote import (  # noqa: PLC0415
            ClientOptions,
            EntityFilter,
            RemoteLink,
        )

        self.filter = entity_filter or EntityFilter()
        # (entity_id, new state or None) as the listener heard them, in order.
        self.states: list[tuple[str, Any]] = []
        self.batches: list[dict[str, Any]] = []
        self.connection_states: list[str] = []
        self.delays: list[float] = []
        self.run_task: Any = None
        self.link = RemoteLink(
            session,
            url,
            token,
            entity_filter=self.filter,
            update_cache=update_cache,
            options=ClientOptions(**options),
            on_link_state=lambda state: self.connection_states.append(str(state)),
            sleep=self._fake_sleep,
        )
        self.client = self.link.client
        self.mirror = self.link.mirror
        self.link.add_listener(self._heard)

    async def _fake_sleep(self, delay: float) -> None:
        self.delays.append(delay)

    def _heard(self, changes: Any) -> None:
        batch = dict(changes)
        self.batches.append(batch)
        self.states.extend(batch.items())

    def start(self) -> None:
        """Run the supervisor in a task."""
        import asyncio  # noqa: PLC0415

        self.run_task = asyncio.create_task(self.link.run())

    async def close(self) -> None:
        """Stop the link; the supervisor task must end with it."""
        await self.link.stop()
        if self.run_task is not None:
            assert self.run_task.done(), "stop() returned before run() ended"
            await self.run_task
        assert self.client.idle, "a socket or task outlived stop()"


class RemoteCalls:
    """Count the real remote's answers to one REST route; hold them on demand.

    Wraps the route's handler in the remote's aiohttp app (its router is
    frozen once the server runs, so no middleware can be added): what the
    remote counts is what it was really asked, whoever asked it.
    """

    def __init__(self, app: Any, canonical: str) -> None:
        """Wrap the GET route of ``canonical`` (e.g. ``/api/states/{entity_id}``)."""
        import asyncio  # noqa: PLC0415

        self.count = 0
        self.paths: list[str] = []
        # Cleared: each request waits until it is set again.
        self.open = asyncio.Event()
        self.open.set()
        self.arrived = asyncio.Event()
        (self._route,) = [
            route
            for resource in app.router.resources()
            if resource.canonical == canonical
            for route in resource
            if route.method == "GET"
        ]
        self._original = self._route._handler
        self._route._handler = self._handler

    async def _handler(self, request: Any) -> Any:
        self.count += 1
        self.paths.append(request.path)
        self.arrived.set()
        await self.open.wait()
        return await self._original(request)

    def restore(self) -> None:
        """Put the remote's own handler back."""
        self.open.set()
        self._route._handler = self._original
