"""Local media players standing for the remote's media players.

Every ``media_*`` attribute of the remote passes through as it is; the base
class needs only the state, the volume and the lists it validates actions
against.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.media_player import MediaPlayerEntity
from homeassistant.components.media_player.const import (
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
    RepeatMode,
)
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity
from .mirrored_platform import local_platform

PARALLEL_UPDATES = 0


class RemoteMediaPlayer(MirroredEntity, MediaPlayerEntity):
    """A remote media player."""

    local_domain = Platform.MEDIA_PLAYER
    _features = MediaPlayerEntityFeature

    def _map(self, state: str | None, attributes: dict[str, Any]) -> None:
        self._attr_state = (
            MediaPlayerState(state) if state and state in MediaPlayerState else None
        )
        self._attr_volume_level = attributes.get("volume_level")
        self._attr_is_volume_muted = attributes.get("is_volume_muted")
        self._attr_source = attributes.get("source")
        self._attr_source_list = attributes.get("source_list")
        self._attr_sound_mode = attributes.get("sound_mode")
        self._attr_sound_mode_list = attributes.get("sound_mode_list")
        self._attr_shuffle = attributes.get("shuffle")
        repeat = attributes.get("repeat")
        self._attr_repeat = (
            RepeatMode(repeat)
            if isinstance(repeat, str) and repeat in RepeatMode
            else None
        )

    async def async_turn_on(self) -> None:
        """Turn the remote player on."""
        await self._call("turn_on")

    async def async_turn_off(self) -> None:
        """Turn the remote player off."""
        await self._call("turn_off")

    async def async_media_play(self) -> None:
        """Play on the remote player."""
        await self._call("media_play")

    async def async_media_pause(self) -> None:
        """Pause the remote player."""
        await self._call("media_pause")

    async def async_media_stop(self) -> None:
        """Stop the remote player."""
        await self._call("media_stop")

    async def async_media_next_track(self) -> None:
        """Skip to the next track on the remote player."""
        await self._call("media_next_track")

    async def async_media_previous_track(self) -> None:
        """Go back a track on the remote player."""
        await self._call("media_previous_track")

    async def async_volume_up(self) -> None:
        """Turn the remote player up."""
        await self._call("volume_up")

    async def async_volume_down(self) -> None:
        """Turn the remote player down."""
        await self._call("volume_down")

    async def async_clear_playlist(self) -> None:
        """Clear the remote player's playlist."""
        await self._call("clear_playlist")

    async def async_set_volume_level(self, volume: float) -> None:
        """Set the remote player's volume."""
        await self._call("volume_set", volume_level=volume)

    async def async_mute_volume(self, mute: bool) -> None:
        """Mute or unmute the remote player."""
        await self._call("volume_mute", is_volume_muted=mute)

    async def async_media_seek(self, position: float) -> None:
        """Seek on the remote player."""
        await self._call("media_seek", seek_position=position)

    async def async_play_media(
        self, media_type: MediaType | str, media_id: str, **kwargs: Any
    ) -> None:
        """Play media on the remote player."""
        await self._call(
            "play_media",
            media_content_type=media_type,
            media_content_id=media_id,
            **kwargs,
        )

    async def async_select_source(self, source: str) -> None:
        """Select the remote player's source."""
        await self._call("select_source", source=source)

    async def async_select_sound_mode(self, sound_mode: str) -> None:
        """Select the remote player's sound mode."""
        await self._call("select_sound_mode", sound_mode=sound_mode)

    async def async_set_shuffle(self, shuffle: bool) -> None:
        """Turn the remote player's shuffle on or off."""
        await self._call("shuffle_set", shuffle=shuffle)

    async def async_set_repeat(self, repeat: RepeatMode) -> None:
        """Set the remote player's repeat mode."""
        await self._call("repeat_set", repeat=repeat)


async_setup_entry = local_platform(RemoteMediaPlayer)
