"""Overlays: ``subscribe_entities`` diffs folded into an entry, formatted on read.

A busy remote changes an entity many times between two reads; folding a
diff is a few C-level dict updates, and the ``/api/states`` shape is built
once, when the entry is next read.
"""

from __future__ import annotations

from typing import Any

from .protocol import State, timestamp_to_iso

# Timestamps the fast path takes as they come (1970 to 9999); anything else
# goes through apply_diff, which raises what does not fit.
MAX_TIMESTAMP = 253_402_300_799.0


class Overlay(dict[str, Any]):
    """Changes not yet applied to ``base``, keyed like a diff's ``+``.

    ``s``, ``lc``, ``lu`` and ``c`` (a context id) hold the newest values;
    ``attrs`` the changed attributes merged, or None (so an ``a`` key here is
    only the last diff's, and unused).
    """

    __slots__ = ("attrs", "base")

    base: State
    attrs: dict[str, Any] | None

    def materialize(self) -> State:
        """Return ``base`` with the changes: what apply_diff would have built."""
        base = self.base
        new = base.copy()
        if "s" in self:
            new["state"] = self["s"]
        if "lc" in self:
            new["last_changed"] = new["last_updated"] = new["last_reported"] = (
                timestamp_to_iso(self["lc"])
            )
        if "lu" in self:  # newer than any lc: an lc drops an older lu
            new["last_updated"] = new["last_reported"] = timestamp_to_iso(self["lu"])
        if "c" in self:
            context = base.get("context")
            merged = dict(context) if isinstance(context, dict) else {}
            merged["id"] = self["c"]
            new["context"] = merged
        if self.attrs is not None:
            new["attributes"] = {**base["attributes"], **self.attrs}
        return new

    def brief(self) -> State:
        """Return the ``state`` and ``attributes`` alone (``attrs`` must be None)."""
        base = self.base
        return {"state": self.get("s", base["state"]), "attributes": base["attributes"]}


def overlay_of(base: State) -> Overlay:
    """Return an empty overlay of ``base``."""
    overlay = Overlay()
    overlay.base = base
    overlay.attrs = None
    return overlay
