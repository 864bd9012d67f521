"""Reads of the remote's REST API: the fallback when the mirror cannot answer."""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson

from .channel import MAX_FRAME_BYTES
from .exceptions import CannotConnect, InvalidAuth, InvalidCertificate, ProtocolError
from .protocol import State
from .validate import acceptable_state, serialisable, valid_entity_id

# The largest REST answer read: the same bound as a websocket frame.
MAX_BODY_BYTES = MAX_FRAME_BYTES


class RestApi:
    """GETs of ``/api/states`` and ``/api/services`` with the bearer token.

    The token goes in the Authorization header only (never in a URL or an
    error), and aiohttp's errors become the core's own.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        access_token: str,
        *,
        verify_ssl: bool = True,
        timeout: float = 30.0,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        """Read ``base_url`` (normalised) through ``session``."""
        self._max_body = max_body_bytes
        self._session = session
        self._base_url = base_url
        self._token = access_token
        self._ssl = verify_ssl
        self._timeout = timeout

    async def fetch_state(self, entity_id: str) -> State | None:
        """Fetch one state; None when the remote has no such entity.

        Raises ``ProtocolError`` for an answer that is not that entity's state
        or that could not be served again.
        """
        result = await self._get(f"/api/states/{quote(entity_id, safe='')}")
        if result is None:
            return None
        if not valid_entity_id(entity_id) or not acceptable_state(entity_id, result):
            raise ProtocolError("the remote's state is not of the entity asked for")
        return result  # type: ignore[no-any-return]

    async def fetch_states(self) -> list[State]:
        """Fetch all states (``/api/states``)."""
        result = await self._get("/api/states")
        if not isinstance(result, list):
            raise ProtocolError("the remote's /api/states is not a list")
        return result

    async def fetch_services(self) -> list[dict[str, Any]]:
        """Fetch the services (``/api/services``)."""
        result = await self._get("/api/services")
        if not isinstance(result, list) or not serialisable(result):
            raise ProtocolError("the remote's /api/services is not a list")
        return result

    async def _get(self, path: str) -> Any:
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            async with (
                asyncio.timeout(self._timeout),
                self._session.get(
                    f"{self._base_url}{path}", headers=headers, ssl=self._ssl
                ) as response,
            ):
                if response.status == HTTPStatus.NOT_FOUND:
                    return None
                if response.status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
                    raise InvalidAuth("the remote refused the access token")
                if response.status != HTTPStatus.OK:
                    raise CannotConnect(f"the remote answered HTTP {response.status}")
                if (response.content_length or 0) > self._max_body:
                    raise ProtocolError(f"the remote's {path} is too large")
                body = bytearray()
                async for chunk in response.content.iter_any():
                    body += chunk
                    if len(body) > self._max_body:
                        raise ProtocolError(f"the remote's {path} is too large")
        except TimeoutError:
            raise CannotConnect("timed out reading from the remote") from None
        except (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError):
            raise InvalidCertificate(
                "the remote's certificate failed verification"
            ) from None
        except (aiohttp.ClientError, OSError) as err:
            raise CannotConnect(
                f"cannot reach the remote: {type(err).__name__}"
            ) from None
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ProtocolError(f"the remote's {path} is not JSON") from None
