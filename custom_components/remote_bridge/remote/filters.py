"""Which remote entities the bridge keeps, on the client and at the source.

The rule, exactly: filtering off keeps everything; a domain in
``exclude_domains`` is dropped (checked first); a non-empty ``entity_filters``
keeps only entity ids that start with one of its prefixes; otherwise keep.

The same rule is translated into the ``include``/``exclude`` filter that the
remote's ``subscribe_entities`` command evaluates, so excluded entities never
cross the wire. Home Assistant checks an include glob *before* an excluded
domain, so the translation cannot just send both lists: each prefix is turned
into globs that cannot match an excluded domain at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import re
from typing import Any

# Entity ids are `domain.object_id` of lower-case letters, digits and `_`; a
# domain neither starts nor ends with `_` nor holds `__` (HA's VALID_DOMAIN).
_DOMAIN_RE = re.compile(r"^(?!.+__)(?!_)[a-z0-9_]+(?<!_)$")
_PREFIX_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]*)?$")
_GLOB_SPECIAL = frozenset("*?[")
_CACHE_LIMIT = 16_384

DEFAULT_EXCLUDE_DOMAINS = ("media_player", "camera", "automation")


class FilterValidationError(ValueError):
    """An option value the filter cannot use; ``key`` names the translated error."""

    def __init__(self, key: str, value: str) -> None:
        """Keep the translation key and the offending value."""
        super().__init__(f"{key}: {value!r}")
        self.key = key
        self.value = value


def _escape_glob(text: str) -> str:
    """Escape the characters fnmatch treats specially."""
    return "".join(f"[{char}]" if char in _GLOB_SPECIAL else char for char in text)


def _negated_class(chars: list[str]) -> str:
    """Return a ``[!...]`` glob class matching any character but ``chars``.

    Inside a class ``]`` is literal only first and ``-`` only last; anywhere
    else they would end the class early or make a range.
    """
    rest = "".join(char for char in chars if char not in "]-")
    head = "]" if "]" in chars else ""
    tail = "-" if "-" in chars else ""
    return f"[!{head}{rest}{tail}]"


def _excluding_globs(prefix: str, forbidden: list[str]) -> list[str]:
    """Globs matching ids that start with ``prefix`` but with none of ``forbidden``.

    ``forbidden`` are suffixes of ``prefix`` (each ends with the ``.`` of an
    excluded domain). Walking their trie, every branch that leaves it becomes a
    ``[!...]`` class, which is exact and needs no exclude globs.
    """
    globs: list[str] = []
    stack: list[tuple[str, list[str]]] = [("", forbidden)]
    while stack:
        path, suffixes = stack.pop()
        if "" in suffixes:  # this path is itself forbidden: nothing below is kept
            continue
        base = _escape_glob(prefix + path)
        globs.append(base)  # the id that ends right here
        children = sorted({suffix[0] for suffix in suffixes})
        if children:
            globs.append(f"{base}{_negated_class(children)}*")
            for char in children:
                below = [s[1:] for s in suffixes if s[0] == char]
                stack.append((path + char, below))
        else:
            globs[-1] = f"{base}*"
    return globs


class _Decisions(dict[str, bool]):
    """Keep-or-drop per entity id, decided once: ``decisions[entity_id]``.

    A dict with ``__missing__`` so that the hot path (every remote change) is a
    C-level lookup, not a Python call.
    """

    __slots__ = ("_decide",)

    def __init__(self, decide: Callable[[str], bool]) -> None:
        super().__init__()
        self._decide = decide

    def __missing__(self, entity_id: str) -> bool:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        keep = self[entity_id] = self._decide(entity_id)
        return keep


class EntityFilter:
    """The bridge's entity filter; calling it answers "keep this entity id?"."""

    __slots__ = ("decisions", "enabled", "exclude_domains", "prefixes")

    def __init__(
        self,
        *,
        enabled: bool = True,
        prefixes: Iterable[str] = (),
        exclude_domains: Iterable[str] = DEFAULT_EXCLUDE_DOMAINS,
    ) -> None:
        """Build the filter from the entry's options."""
        self.enabled = enabled
        self.prefixes: tuple[str, ...] = tuple(dict.fromkeys(prefixes))
        self.exclude_domains: frozenset[str] = frozenset(exclude_domains)
        self.decisions = _Decisions(self._decide)

    def __call__(self, entity_id: str) -> bool:
        """Return True when the entity passes the filter (cached per id)."""
        return self.decisions[entity_id]

    def _decide(self, entity_id: str) -> bool:
        if not self.enabled:
            return True
        if entity_id.partition(".")[0] in self.exclude_domains:
            return False
        if self.prefixes:
            return entity_id.startswith(self.prefixes)
        return True

    @property
    def matches_nothing(self) -> bool:
        """Return True when no entity id can pass (every prefix is excluded)."""
        return self.enabled and bool(self.prefixes) and not self._include_globs()

    def _include_globs(self) -> list[str]:
        globs: list[str] = []
        for prefix in self.prefixes:
            domain, dot, _ = prefix.partition(".")
            if dot:
                if domain not in self.exclude_domains:
                    globs.append(f"{_escape_glob(prefix)}*")
                continue
            # No dot yet: the prefix is the start of a domain name, so it could
            # reach excluded domains that begin with it.
            forbidden = [
                f"{excluded[len(prefix) :]}."
                for excluded in self.exclude_domains
                if excluded.startswith(prefix)
            ]
            globs.extend(_excluding_globs(prefix, forbidden))
        return globs

    def server_filter(self) -> dict[str, Any]:
        """Return the ``include``/``exclude`` keys for ``subscribe_entities``.

        Empty when everything is wanted. Check ``matches_nothing`` first: Home
        Assistant reads an empty include list as "include everything".
        """
        if not self.enabled:
            return {}
        if self.prefixes:
            return {"include": {"entity_globs": self._include_globs()}}
        if self.exclude_domains:
            return {"exclude": {"domains": sorted(self.exclude_domains)}}
        return {}

    def __repr__(self) -> str:
        """Describe the filter for logs and diagnostics."""
        return (
            f"EntityFilter(enabled={self.enabled}, prefixes={list(self.prefixes)}, "
            f"exclude_domains={sorted(self.exclude_domains)})"
        )


def validate_prefixes(prefixes: Iterable[str]) -> list[str]:
    """Return the cleaned prefixes or raise ``FilterValidationError``."""
    cleaned: list[str] = []
    for raw in prefixes:
        prefix = raw.strip()
        if not prefix:
            raise FilterValidationError("empty_prefix", raw)
        if not _PREFIX_RE.match(prefix):
            raise FilterValidationError("invalid_prefix", prefix)
        if prefix in cleaned:
            raise FilterValidationError("duplicate_prefix", prefix)
        cleaned.append(prefix)
    return cleaned


def validate_domains(domains: Iterable[str]) -> list[str]:
    """Return the cleaned domains or raise ``FilterValidationError``."""
    cleaned: list[str] = []
    for raw in domains:
        domain = raw.strip()
        if not domain:
            raise FilterValidationError("empty_domain", raw)
        if not _DOMAIN_RE.match(domain):
            raise FilterValidationError("invalid_domain", domain)
        if domain in cleaned:
            raise FilterValidationError("duplicate_domain", domain)
        cleaned.append(domain)
    return cleaned


def validate_filter(
    *, enabled: bool, prefixes: Iterable[str], exclude_domains: Iterable[str]
) -> EntityFilter:
    """Validate the filter options as a whole and return the filter."""
    entity_filter = EntityFilter(
        enabled=enabled,
        prefixes=validate_prefixes(prefixes),
        exclude_domains=validate_domains(exclude_domains),
    )
    if entity_filter.matches_nothing:
        raise FilterValidationError("filter_matches_nothing", ", ".join(prefixes))
    return entity_filter
