"""Which remote entities the bridge keeps, on the client and at the source.

The rule, exactly: filtering off keeps everything; a domain in
``exclude_domains`` is dropped (checked first); an id matching one of
``exclude_entities`` (exact ids or globs) is dropped next; a non-empty
``entity_filters`` keeps only ids that start with one of its prefixes or
match one of its globs; otherwise keep. A glob is an entry holding ``*``,
``?`` or ``[``, matched against the whole id like Home Assistant's
``entity_globs`` (``sensor.*_power``, ``sensor.garage_?``).

The same rule is translated into the ``include``/``exclude`` filter that the
remote's ``subscribe_entities`` command evaluates, so dropped entities never
cross the wire. Home Assistant's precedence is not ours: once an include glob
or domain is set, an include glob wins over every exclusion but an exact id,
and exclusion globs only narrow the included *domains*. So:

- without ``entity_filters`` the exclusions are sent as they are (exact);
- a prefix becomes globs that cannot match an excluded domain at all;
- with exclusion globs, prefixes that name a domain (``sensor.temp``) are sent
  as included domains narrowed by globs, so the exclusion globs apply (exact);
- the remaining cases (exclusion globs with a domain-less prefix or an include
  glob, or an include glob that could reach an excluded domain) cannot be said
  in Home Assistant's filter: the remote then sends a superset and the client
  drops the rest (``server_filter_exact`` is False).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import fnmatch
import re
from typing import Any

# Entity ids are `domain.object_id` of lower-case letters, digits and `_`; a
# domain neither starts nor ends with `_` nor holds `__` (HA's VALID_DOMAIN).
_DOMAIN_RE = re.compile(r"^(?!.+__)(?!_)[a-z0-9_]+(?<!_)$")
_ENTITY_ID_RE = re.compile(r"^(?!.+__)(?!_)[a-z0-9_]+(?<!_)\.(?!_)[a-z0-9_]+(?<!_)$")
_PREFIX_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]*)?$")
# A glob the options accept: id characters, `*`, `?`, and `[...]`/`[!...]`
# classes of id characters (ranges allowed); at most one dot outside a class.
_GLOB_RE = re.compile(r"^(?:[a-z0-9_.*?]|\[!?[a-z0-9_.\-]+\])+$")
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


def is_glob(text: str) -> bool:
    """Return True when ``text`` is a glob rather than a prefix or an exact id."""
    return not _GLOB_SPECIAL.isdisjoint(text)


def _glob_pattern(globs: Iterable[str]) -> re.Pattern[str] | None:
    """Compile globs the way Home Assistant's entityfilter does (whole-id match)."""
    translated = [fnmatch.translate(glob) for glob in dict.fromkeys(globs)]
    return re.compile(f"(?:{'|'.join(translated)})") if translated else None


def _literal_domain(glob: str) -> str | None:
    """Return the domain every id matching ``glob`` has, or None if it varies."""
    domain, dot, _ = glob.partition(".")
    return domain if dot and not is_glob(domain) else None


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

    ``forbidden`` are suffixes of ``prefix``. Walking their trie, every branch
    that leaves it becomes a ``[!...]`` class, which is exact and needs no
    exclude globs.
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


class _ServerPlan:
    """The pieces of the server-side filter, worked out once per filter."""

    __slots__ = ("domains", "exact", "exclude_globs", "exclude_ids", "include_globs")

    def __init__(self, entity_filter: EntityFilter) -> None:
        excluded = entity_filter.exclude_domains
        # Exact ids go to `entities` (a set on the remote); anything Home
        # Assistant would refuse there is sent as a glob matching only itself.
        exact_ids = [e for e in entity_filter.exclude_entities if not is_glob(e)]
        self.exclude_ids = sorted(i for i in exact_ids if _ENTITY_ID_RE.match(i))
        self.exclude_globs = sorted(
            {e for e in entity_filter.exclude_entities if is_glob(e)}
            | {_escape_glob(i) for i in exact_ids if not _ENTITY_ID_RE.match(i)}
        )
        self.include_globs: list[str] = []
        # Included domain -> object id prefixes kept in it ("" = all of it).
        self.domains: dict[str, list[str]] = {}
        self.exact = True
        narrow = bool(self.exclude_globs)
        for entry in entity_filter.prefixes:
            if is_glob(entry):
                domain = _literal_domain(entry)
                if domain is not None and domain in excluded:
                    continue  # nothing it matches is kept
                self.include_globs.append(entry)
                # An include glob beats the exclusion globs, and one without a
                # literal domain beats the excluded domains too.
                self.exact &= not narrow and (domain is not None or not excluded)
                continue
            domain, dot, object_prefix = entry.partition(".")
            if dot:
                if domain in excluded:
                    continue
                if narrow:
                    self.domains.setdefault(domain, []).append(object_prefix)
                else:
                    self.include_globs.append(f"{_escape_glob(entry)}*")
                continue
            # No dot yet: the prefix is the start of a domain name, so it could
            # reach excluded domains that begin with it.
            forbidden = [
                f"{name[len(entry) :]}." for name in excluded if name.startswith(entry)
            ]
            globs = _excluding_globs(entry, forbidden)
            self.include_globs.extend(globs)
            self.exact &= not (narrow and globs)

    def domain_narrowing_globs(self) -> list[str]:
        """Globs dropping, within each included domain, what no prefix keeps."""
        globs: list[str] = []
        for domain, object_prefixes in sorted(self.domains.items()):
            globs.extend(_excluding_globs(f"{domain}.", object_prefixes))
        return globs


class EntityFilter:
    """The bridge's entity filter; calling it answers "keep this entity id?"."""

    __slots__ = (
        "_exclude_ids",
        "_exclude_re",
        "_include_re",
        "_plan",
        "_starts",
        "decisions",
        "enabled",
        "exclude_domains",
        "exclude_entities",
        "prefixes",
    )

    def __init__(
        self,
        *,
        enabled: bool = True,
        prefixes: Iterable[str] = (),
        exclude_domains: Iterable[str] = DEFAULT_EXCLUDE_DOMAINS,
        exclude_entities: Iterable[str] = (),
    ) -> None:
        """Build the filter from the entry's options."""
        self.enabled = enabled
        self.prefixes: tuple[str, ...] = tuple(dict.fromkeys(prefixes))
        self.exclude_domains: frozenset[str] = frozenset(exclude_domains)
        self.exclude_entities: tuple[str, ...] = tuple(dict.fromkeys(exclude_entities))
        self._starts = tuple(p for p in self.prefixes if not is_glob(p))
        self._include_re = _glob_pattern(p for p in self.prefixes if is_glob(p))
        self._exclude_ids = frozenset(
            e for e in self.exclude_entities if not is_glob(e)
        )
        self._exclude_re = _glob_pattern(e for e in self.exclude_entities if is_glob(e))
        self._plan: _ServerPlan | None = None
        self.decisions = _Decisions(self._decide)

    def __call__(self, entity_id: str) -> bool:
        """Return True when the entity passes the filter (cached per id)."""
        return self.decisions[entity_id]

    def _decide(self, entity_id: str) -> bool:
        if not self.enabled:
            return True
        if entity_id.partition(".")[0] in self.exclude_domains:
            return False
        if entity_id in self._exclude_ids or (
            self._exclude_re is not None and self._exclude_re.match(entity_id)
        ):
            return False
        if self.prefixes:
            return entity_id.startswith(self._starts) or bool(
                self._include_re is not None and self._include_re.match(entity_id)
            )
        return True

    @property
    def _server_plan(self) -> _ServerPlan:
        if self._plan is None:
            self._plan = _ServerPlan(self)
        return self._plan

    @property
    def matches_nothing(self) -> bool:
        """Return True when no entity id can pass (every entity filter is excluded)."""
        if not (self.enabled and self.prefixes):
            return False
        plan = self._server_plan
        return not plan.include_globs and not plan.domains

    @property
    def server_filter_exact(self) -> bool:
        """Return True when the remote sends exactly what this filter keeps.

        False: the remote sends a superset (see the module docstring) and the
        client-side filter drops the rest.
        """
        return not self.enabled or not self.prefixes or self._server_plan.exact

    def server_filter(self) -> dict[str, Any]:
        """Return the ``include``/``exclude`` keys for ``subscribe_entities``.

        Empty when everything is wanted. Check ``matches_nothing`` first: Home
        Assistant reads an empty include list as "include everything".
        """
        if not self.enabled:
            return {}
        plan = self._server_plan
        exclude: dict[str, list[str]] = {}
        if plan.exclude_ids:
            exclude["entities"] = plan.exclude_ids
        if not self.prefixes:
            if self.exclude_domains:
                exclude["domains"] = sorted(self.exclude_domains)
            if plan.exclude_globs:
                exclude["entity_globs"] = plan.exclude_globs
            return {"exclude": exclude} if exclude else {}
        include: dict[str, list[str]] = {}
        if plan.include_globs:
            include["entity_globs"] = plan.include_globs
        if plan.domains:
            # Exclusion globs only narrow included domains: that is why the
            # domain-named prefixes are sent this way when there are any.
            include["domains"] = sorted(plan.domains)
            exclude["entity_globs"] = [
                *plan.exclude_globs,
                *plan.domain_narrowing_globs(),
            ]
        result: dict[str, Any] = {"include": include}
        if exclude:
            result["exclude"] = exclude
        return result

    def __repr__(self) -> str:
        """Describe the filter for logs and diagnostics."""
        return (
            f"EntityFilter(enabled={self.enabled}, prefixes={list(self.prefixes)}, "
            f"exclude_domains={sorted(self.exclude_domains)}, "
            f"exclude_entities={list(self.exclude_entities)})"
        )


def _valid_glob(glob: str) -> bool:
    """Return True for a glob of id characters, classes and at most one dot.

    Anything else (upper case, spaces, a second dot, a broken class) could
    never match an entity id, which is a typo the user wants to hear about.
    """
    if not _GLOB_RE.match(glob):
        return False
    outside = re.sub(r"\[[^\]]*\]", "", glob)
    return outside.count(".") <= 1


def _clean(
    values: Iterable[str], keys: tuple[str, str, str], valid: Callable[[str], bool]
) -> list[str]:
    """Strip each value; raise with ``keys`` (empty, invalid, duplicate)."""
    empty, invalid, duplicate = keys
    cleaned: list[str] = []
    for raw in values:
        value = raw.strip()
        if not value:
            raise FilterValidationError(empty, raw)
        if not valid(value):
            raise FilterValidationError(invalid, value)
        if value in cleaned:
            raise FilterValidationError(duplicate, value)
        cleaned.append(value)
    return cleaned


def validate_prefixes(prefixes: Iterable[str]) -> list[str]:
    """Return the cleaned prefixes and globs or raise ``FilterValidationError``."""
    return _clean(
        prefixes,
        ("empty_prefix", "invalid_prefix", "duplicate_prefix"),
        lambda p: _valid_glob(p) if is_glob(p) else bool(_PREFIX_RE.match(p)),
    )


def validate_domains(domains: Iterable[str]) -> list[str]:
    """Return the cleaned domains or raise ``FilterValidationError``."""
    return _clean(
        domains,
        ("empty_domain", "invalid_domain", "duplicate_domain"),
        lambda d: bool(_DOMAIN_RE.match(d)),
    )


def validate_entities(entities: Iterable[str]) -> list[str]:
    """Return the cleaned exact ids and globs or raise ``FilterValidationError``."""
    return _clean(
        entities,
        ("empty_entity", "invalid_entity", "duplicate_entity"),
        lambda e: _valid_glob(e) if is_glob(e) else bool(_ENTITY_ID_RE.match(e)),
    )


def validate_filter(
    *,
    enabled: bool,
    prefixes: Iterable[str],
    exclude_domains: Iterable[str],
    exclude_entities: Iterable[str] = (),
) -> EntityFilter:
    """Validate the filter options as a whole and return the filter."""
    cleaned = validate_prefixes(prefixes)
    entity_filter = EntityFilter(
        enabled=enabled,
        prefixes=cleaned,
        exclude_domains=validate_domains(exclude_domains),
        exclude_entities=validate_entities(exclude_entities),
    )
    if entity_filter.matches_nothing:
        raise FilterValidationError("filter_matches_nothing", ", ".join(cleaned))
    return entity_filter
