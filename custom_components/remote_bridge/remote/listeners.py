"""Listener lists: add one, get back the callable that removes it."""

from __future__ import annotations

from collections.abc import Callable


def add_listener[T](listeners: list[T], listener: T) -> Callable[[], None]:
    """Append ``listener``; return its unsubscribe, harmless when called twice."""
    listeners.append(listener)

    def remove() -> None:
        if listener in listeners:
            listeners.remove(listener)

    return remove
