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
    """A RemoteClient wired to a StateMirror, recording every callback."""

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
        """Build the client (not connected yet); a fake sleep records delays."""
        from custom_components.remote_bridge.remote import (  # noqa: PLC0415
            ClientCallbacks,
            ClientOptions,
            EntityFilter,
            RemoteClient,
            StateMirror,
        )

        self.filter = entity_filter or EntityFilter()
        self.mirror = StateMirror(self.filter, update_cache=update_cache)
        self.states: list[tuple[str, Any]] = []
        self.diffs: list[tuple[str, Any]] = []
        self.invalid: list[str] = []
        self.snapshots = 0
        self.services: list[Any] = []
        self.connection_states: list[str] = []
        self.configs: list[dict[str, Any]] = []
        self.delays: list[float] = []
        self.run_task: Any = None
        mirror = self.mirror

        def state(entity_id: str, new: Any) -> None:
            self.states.append((entity_id, new))
            mirror.set_state(entity_id, new)

        def diffs(batch: list[dict[str, Any]]) -> int:
            for changed in batch:
                self.diffs.extend(changed.items())
            return mirror.apply_diffs(batch)

        def invalid(entity_id: str) -> None:
            self.invalid.append(entity_id)
            mirror.invalidate(entity_id)

        def snapshot(states: list[Any]) -> None:
            self.snapshots += 1
            mirror.replace_all(states)

        def services(value: Any) -> None:
            self.services.append(value)
            mirror.set_services(value)

        def connection_state(value: Any) -> None:
            self.connection_states.append(str(value))
            mirror.set_connected(str(value) == "connected")

        async def fake_sleep(delay: float) -> None:
            self.delays.append(delay)

        self.client = RemoteClient(
            session,
            url,
            token,
            entity_filter=self.filter,
            options=ClientOptions(**options),
            callbacks=ClientCallbacks(
                connection_state=connection_state,
                state=state,
                state_diffs=diffs,
                state_invalid=invalid,
                snapshot=snapshot,
                services=services,
                remote_config=self.configs.append,
            ),
            sleep=fake_sleep,
        )

    def start(self) -> None:
        """Run the supervisor in a task."""
        import asyncio  # noqa: PLC0415

        self.run_task = asyncio.create_task(self.client.run())

    async def close(self) -> None:
        """Stop the client; the supervisor task must end with it."""
        await self.client.stop()
        if self.run_task is not None:
            assert self.run_task.done(), "stop() returned before run() ended"
            await self.run_task
        assert self.client._reader is None
        assert self.client._heartbeat is None
