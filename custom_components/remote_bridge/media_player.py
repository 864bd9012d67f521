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
    RepeatMode,
)
from homeassistant.const import Platform

from .mirrored_entity import MirroredEntity, forward
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

    async_turn_on = forward("turn_on")
    async_turn_off = forward("turn_off")
    async_media_play = forward("media_play")
    async_media_pause = forward("media_pause")
    async_media_stop = forward("media_stop")
    async_media_next_track = forward("media_next_track")
    async_media_previous_track = forward("media_previous_track")
    async_volume_up = forward("volume_up")
    async_volume_down = forward("volume_down")
    async_clear_playlist = forward("clear_playlist")
    async_set_volume_level = forward("volume_set", volume="volume_level")
    async_mute_volume = forward("volume_mute", mute="is_volume_muted")
    async_media_seek = forward("media_seek", position="seek_position")
    # Its other arguments (enqueue, announce, extra) go as they are.
    async_play_media = forward(
        "play_media", media_type="media_content_type", media_id="media_content_id"
    )
    async_select_source = forward("select_source", "source")
    async_select_sound_mode = forward("select_sound_mode", "sound_mode")
    async_set_shuffle = forward("shuffle_set", "shuffle")
    async_set_repeat = forward("repeat_set", "repeat")


async_setup_entry = local_platform(RemoteMediaPlayer)
