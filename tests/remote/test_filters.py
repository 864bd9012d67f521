"""EntityFilter: the rule, its validation, and its server-side translation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.helpers.entityfilter import (
    INCLUDE_EXCLUDE_BASE_FILTER_SCHEMA,
    convert_include_exclude_filter,
)
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.remote_bridge.remote import EntityFilter, FilterValidationError
from custom_components.remote_bridge.remote.filters import (
    DEFAULT_EXCLUDE_DOMAINS,
    is_glob,
    validate_domains,
    validate_entities,
    validate_filter,
    validate_prefixes,
)

# -- the rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "entity_id", "keep"),
    [
        # Filtering off keeps everything, even excluded domains.
        ({"enabled": False, "prefixes": ["light."]}, "media_player.tv", True),
        ({"enabled": False}, "camera.door", True),
        # Default exclusions apply with no prefixes.
        ({}, "media_player.tv", False),
        ({}, "camera.door", False),
        ({}, "automation.wake", False),
        ({}, "light.kitchen", True),
        # Exclusion is checked first, even when a prefix matches.
        ({"prefixes": ["media_player.tv"]}, "media_player.tv", False),
        ({"prefixes": ["med"]}, "media_player.tv", False),
        ({"prefixes": ["med"]}, "medical.x", True),
        # Prefixes: startswith, not domain equality nor glob.
        ({"prefixes": ["light."]}, "light.kitchen", True),
        ({"prefixes": ["light."]}, "lightning.x", False),
        ({"prefixes": ["light"]}, "lightning.x", True),
        ({"prefixes": ["sensor.temperature"]}, "sensor.temperature_2", True),
        ({"prefixes": ["sensor.temperature"]}, "sensor.humidity", False),
        ({"prefixes": ["sensor.t", "light."]}, "light.x", True),
        # An excluded domain must match the whole domain, not a prefix of it.
        ({"exclude_domains": ["light"]}, "lightning.x", True),
        ({"exclude_domains": ["light"]}, "light.x", False),
        ({"exclude_domains": []}, "media_player.tv", True),
        # Entities to drop: exact ids and whole-id globs, right after the domains.
        ({"exclude_entities": ["sensor.a"]}, "sensor.a", False),
        ({"exclude_entities": ["sensor.a"]}, "sensor.ab", True),
        ({"exclude_entities": ["sensor.*_power"]}, "sensor.kitchen_power", False),
        ({"exclude_entities": ["sensor.*_power"]}, "sensor.kitchen_power_2", True),
        ({"exclude_entities": ["sensor.*_power"]}, "sensor.kitchen_energy", True),
        ({"exclude_entities": ["sensor.garage_?"]}, "sensor.garage_1", False),
        ({"exclude_entities": ["sensor.garage_?"]}, "sensor.garage_12", True),
        ({"exclude_entities": ["*_power"]}, "switch.pump_power", False),
        ({"exclude_entities": ["light.[!k]*"]}, "light.hall", False),
        ({"exclude_entities": ["light.[!k]*"]}, "light.kitchen", True),
        # ... and they win over a matching prefix.
        (
            {"prefixes": ["sensor."], "exclude_entities": ["sensor.*_power"]},
            "sensor.kitchen_power",
            False,
        ),
        # Excluded domains still come first, and filtering off keeps all.
        ({"exclude_entities": ["light.x"]}, "camera.door", False),
        ({"enabled": False, "exclude_entities": ["*"]}, "light.x", True),
        # Entity filters may be globs: a whole-id match, not a prefix.
        ({"prefixes": ["sensor.*_power"]}, "sensor.kitchen_power", True),
        ({"prefixes": ["sensor.*_power"]}, "sensor.kitchen_power_2", False),
        ({"prefixes": ["*_power", "light."]}, "switch.pump_power", True),
        ({"prefixes": ["*_power", "light."]}, "light.hall", True),
        ({"prefixes": ["*_power"]}, "media_player.tv_power", False),
        ({"prefixes": ["sensor.garage_?"]}, "sensor.garage_1", True),
    ],
)
def test_rule(kwargs: dict[str, Any], entity_id: str, keep: bool) -> None:
    """The contract's rule, case by case (twice: the second answer is cached)."""
    entity_filter = EntityFilter(**kwargs)
    assert entity_filter(entity_id) is keep
    assert entity_filter(entity_id) is keep


def test_defaults_are_the_contracts() -> None:
    """Defaults: enabled, no prefixes, media_player/camera/automation excluded."""
    entity_filter = EntityFilter()
    assert entity_filter.enabled
    assert entity_filter.prefixes == ()
    assert entity_filter.exclude_domains == {"media_player", "camera", "automation"}
    assert set(DEFAULT_EXCLUDE_DOMAINS) == entity_filter.exclude_domains
    assert "media_player" in repr(entity_filter)


def test_cache_is_bounded() -> None:
    """A flood of distinct ids does not grow the decision cache without end."""
    entity_filter = EntityFilter(prefixes=["sensor."])
    for number in range(20_000):
        assert entity_filter(f"sensor.n{number}")
    assert len(entity_filter.decisions) <= 16_384
    assert not entity_filter("light.x")


def test_server_filter_shapes() -> None:
    """Off or nothing excluded: empty; no prefixes: exclude domains; else globs."""
    assert EntityFilter(enabled=False).server_filter() == {}
    assert EntityFilter(exclude_domains=[]).server_filter() == {}
    assert EntityFilter(exclude_domains=["camera", "automation"]).server_filter() == {
        "exclude": {"domains": ["automation", "camera"]}
    }
    assert EntityFilter(prefixes=["light.", "sensor.temp"]).server_filter() == {
        "include": {"entity_globs": ["light.*", "sensor.temp*"]}
    }


def test_server_filter_with_entities_to_drop() -> None:
    """Exact ids go to `entities`, globs to `entity_globs`, in HA's terms."""
    # "Everything except these three sensors", and the power sensors.
    entity_filter = EntityFilter(
        exclude_entities=["sensor.a", "sensor.b", "sensor.c", "sensor.*_power"]
    )
    assert entity_filter.server_filter() == {
        "exclude": {
            "entities": ["sensor.a", "sensor.b", "sensor.c"],
            "domains": ["automation", "camera", "media_player"],
            "entity_globs": ["sensor.*_power"],
        }
    }
    assert entity_filter.server_filter_exact
    # Exact ids beside prefixes: HA checks excluded entities before include globs.
    assert EntityFilter(
        prefixes=["light."], exclude_entities=["light.hall"]
    ).server_filter() == {
        "include": {"entity_globs": ["light.*"]},
        "exclude": {"entities": ["light.hall"]},
    }
    # A glob beside prefixes: an include glob would beat it, so the prefixes
    # are sent as domains, narrowed by globs (exclusion globs only narrow domains).
    entity_filter = EntityFilter(
        prefixes=["sensor.t", "light."], exclude_entities=["sensor.*_power"]
    )
    assert entity_filter.server_filter() == {
        "include": {"domains": ["light", "sensor"]},
        "exclude": {
            "entity_globs": ["sensor.*_power", "sensor.", "sensor.[!t]*"],
        },
    }
    assert entity_filter.server_filter_exact


def test_server_filter_superset_cases() -> None:
    """Where HA's filter cannot say the rule, the remote sends more, never less."""
    # An include glob reaching every domain beats the excluded domains.
    assert not EntityFilter(prefixes=["*_power"]).server_filter_exact
    assert EntityFilter(prefixes=["*_power"], exclude_domains=[]).server_filter_exact
    assert EntityFilter(prefixes=["sensor.*_power"]).server_filter_exact
    # An exclusion glob cannot narrow an include glob or a domain-less prefix.
    assert not EntityFilter(
        prefixes=["sensor.*"], exclude_entities=["*_power"]
    ).server_filter_exact
    assert not EntityFilter(
        prefixes=["sens"], exclude_entities=["*_power"]
    ).server_filter_exact
    # Filtering off or no entity filters: always exact.
    assert EntityFilter(enabled=False, prefixes=["*"]).server_filter_exact
    assert EntityFilter(exclude_entities=["*_power"]).server_filter_exact


def test_matches_nothing() -> None:
    """Only prefixes that all fall in excluded domains match nothing."""
    assert EntityFilter(prefixes=["camera.", "automation.x"]).matches_nothing
    assert not EntityFilter(prefixes=["camera.", "light."]).matches_nothing
    assert not EntityFilter(prefixes=["cam"]).matches_nothing  # "camper.x"
    # A glob inside an excluded domain matches nothing; one that may leave it does.
    assert EntityFilter(prefixes=["camera.*_door"]).matches_nothing
    assert not EntityFilter(prefixes=["cam*"]).matches_nothing
    # With exclusion globs the prefixes become domains: still not "nothing".
    assert not EntityFilter(
        prefixes=["light."], exclude_entities=["light.*"]
    ).matches_nothing
    assert not EntityFilter(enabled=False, prefixes=["camera."]).matches_nothing
    assert not EntityFilter().matches_nothing


# -- validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefixes", "key"),
    [
        ([""], "empty_prefix"),
        (["   "], "empty_prefix"),
        (["Light."], "invalid_prefix"),
        (["light.a.b"], "invalid_prefix"),
        ([".x"], "invalid_prefix"),
        (["light kitchen"], "invalid_prefix"),
        (["light.", " light. "], "duplicate_prefix"),
        # Globs: only id characters, well-formed classes, at most one dot.
        (["sensor.*_Power"], "invalid_prefix"),
        (["sensor.["], "invalid_prefix"),
        (["sensor.[]*"], "invalid_prefix"),
        (["sensor.]*"], "invalid_prefix"),
        (["sensor.[*]"], "invalid_prefix"),
        (["sensor.*-x"], "invalid_prefix"),
        (["a.b.*"], "invalid_prefix"),
        (["sensor.*", "sensor.*"], "duplicate_prefix"),
    ],
)
def test_prefix_errors(prefixes: list[str], key: str) -> None:
    """Each bad prefix raises with the translation key the flow shows."""
    with pytest.raises(FilterValidationError) as err:
        validate_prefixes(prefixes)
    assert err.value.key == key


@pytest.mark.parametrize(
    ("domains", "key"),
    [
        ([""], "empty_domain"),
        (["Light"], "invalid_domain"),
        (["light."], "invalid_domain"),
        (["_light"], "invalid_domain"),
        (["light_"], "invalid_domain"),
        (["li__ght"], "invalid_domain"),
        (["li*"], "invalid_domain"),
        (["camera", "camera "], "duplicate_domain"),
    ],
)
def test_domain_errors(domains: list[str], key: str) -> None:
    """Each bad domain raises with its translation key."""
    with pytest.raises(FilterValidationError) as err:
        validate_domains(domains)
    assert err.value.key == key
    assert key in str(err.value)


@pytest.mark.parametrize(
    ("entities", "key"),
    [
        ([""], "empty_entity"),
        ([" "], "empty_entity"),
        (["sensor"], "invalid_entity"),
        (["sensor."], "invalid_entity"),
        (["Sensor.a"], "invalid_entity"),
        (["sensor.a.b"], "invalid_entity"),
        (["sensor._a"], "invalid_entity"),
        (["sensor.a__b"], "invalid_entity"),
        (["sensor.kitchen power"], "invalid_entity"),
        (["sensor.[ab"], "invalid_entity"),
        (["sensor.[!]"], "invalid_entity"),
        (["*.*.*"], "invalid_entity"),
        (["sensor.*_POWER"], "invalid_entity"),
        (["sensor.a", "sensor.a "], "duplicate_entity"),
    ],
)
def test_entity_errors(entities: list[str], key: str) -> None:
    """Each bad id or glob to drop raises with its translation key."""
    with pytest.raises(FilterValidationError) as err:
        validate_entities(entities)
    assert err.value.key == key


def test_valid_globs_are_accepted() -> None:
    """The globs users write are kept as typed (stripped)."""
    globs = [
        "sensor.*_power",
        "sensor.garage_?",
        "*_power",
        "light.[!k]*",
        "sensor.[a-c]*",
        "*",
        "sensor[.]x",
    ]
    assert validate_entities([f" {g} " for g in globs]) == globs
    assert validate_prefixes(globs) == globs
    assert validate_entities(["sensor.garage_1", "light.x2"]) == [
        "sensor.garage_1",
        "light.x2",
    ]


def test_valid_options_are_cleaned() -> None:
    """Whitespace is stripped; order kept."""
    assert validate_prefixes([" light. ", "sensor.temp", "sw"]) == [
        "light.",
        "sensor.temp",
        "sw",
    ]
    assert validate_domains([" camera", "media_player"]) == ["camera", "media_player"]


def test_validate_filter() -> None:
    """A filter whose prefixes are all excluded is refused as a whole."""
    entity_filter = validate_filter(
        enabled=True, prefixes=["light."], exclude_domains=["camera"]
    )
    assert entity_filter("light.a")
    with pytest.raises(FilterValidationError) as err:
        validate_filter(
            enabled=True, prefixes=["camera.front"], exclude_domains=["camera"]
        )
    assert err.value.key == "filter_matches_nothing"
    # With filtering off the same options are fine.
    assert validate_filter(
        enabled=False, prefixes=["camera.front"], exclude_domains=["camera"]
    )("camera.front")
    # A glob entity filter inside an excluded domain is refused the same way.
    with pytest.raises(FilterValidationError) as err:
        validate_filter(
            enabled=True, prefixes=[" camera.*_door"], exclude_domains=["camera"]
        )
    assert err.value.key == "filter_matches_nothing"
    assert err.value.value == "camera.*_door"
    # Entities to drop are validated and used.
    entity_filter = validate_filter(
        enabled=True,
        prefixes=[],
        exclude_domains=[],
        exclude_entities=[" sensor.*_power"],
    )
    assert entity_filter.exclude_entities == ("sensor.*_power",)
    assert not entity_filter("sensor.kitchen_power")
    with pytest.raises(FilterValidationError) as err:
        validate_filter(
            enabled=True, prefixes=[], exclude_domains=[], exclude_entities=["x"]
        )
    assert (err.value.key, err.value.value) == ("invalid_entity", "x")


# -- the server side agrees with the client (HA's own filter code) ----------------

# A small alphabet so prefixes often collide with domains; glob specials included.
CHARS = "ab_1*?[]!-^\\"
parts = st.text(alphabet=CHARS, min_size=1, max_size=4)
domains = st.text(alphabet=CHARS.replace(".", ""), min_size=1, max_size=4)
entity_ids = st.builds(lambda d, o: f"{d}.{o}", domains, parts | st.just("a.b"))


@st.composite
def prefixes(draw: st.DrawFn, excluded: list[str]) -> str:
    """Draw a whole domain, a partial object id, or a domain's start."""
    kind = draw(st.sampled_from(["domain", "object", "partial_domain"]))
    if kind == "partial_domain":
        pool = excluded or [draw(domains)]
        domain = draw(st.sampled_from(pool))
        return domain[: draw(st.integers(1, len(domain)))]
    if bool(excluded) and draw(st.booleans()):
        domain = draw(st.sampled_from(excluded))
    else:
        domain = draw(domains)
    if kind == "domain":
        return f"{domain}."
    return f"{domain}.{draw(st.text(alphabet=CHARS, max_size=3))}"


# Glob pieces and, for each, a text it matches (so drawn ids hit the globs).
GLOB_PIECES = st.sampled_from(
    [
        ("a", st.just("a")),
        ("b", st.just("b")),
        ("_", st.just("_")),
        ("*", st.text(alphabet=CHARS, max_size=3)),
        ("?", st.sampled_from(list(CHARS))),
        ("[!a]", st.sampled_from(["b", "1", "_"])),
        ("[ab]", st.sampled_from(["a", "b"])),
    ]
)


@st.composite
def globs(draw: st.DrawFn, excluded: list[str]) -> tuple[str, str]:
    """Draw a glob (domain literal, excluded, or open) and an id it matches."""
    pieces = draw(st.lists(GLOB_PIECES, min_size=1, max_size=4))
    if not is_glob("".join(piece for piece, _ in pieces)):
        pieces.append(("*", st.text(alphabet=CHARS, max_size=3)))
    glob = "".join(piece for piece, _ in pieces)
    text = "".join(draw(matching) for _, matching in pieces)
    kind = draw(st.sampled_from(["domain", "excluded_domain", "open"]))
    if kind == "open":
        return glob, text if "." in text else f"a.{text}"
    pool = st.sampled_from(excluded) if excluded and kind != "domain" else domains
    domain = draw(pool)
    return f"{domain}.{glob}", f"{domain}.{text}"


@st.composite
def filters(draw: st.DrawFn) -> tuple[EntityFilter, list[str]]:
    """Draw an EntityFilter (unvalidated options) and ids near its entries."""
    excluded = draw(st.lists(domains, max_size=4, unique=True))
    chosen = draw(st.lists(prefixes(excluded), max_size=4))
    near: list[str] = [f"{p}x" if "." in p else f"{p}.x" for p in chosen]
    for glob, text in draw(st.lists(globs(excluded), max_size=2)):
        chosen.append(glob)
        near.append(text)
    dropped: list[str] = []
    for glob, text in draw(st.lists(globs(excluded), max_size=3)):
        dropped.append(glob)
        near.append(text)
    exact = draw(st.lists(entity_ids | st.sampled_from(["a.b", "b.a_1"]), max_size=2))
    dropped.extend(exact)
    near.extend(exact)
    entity_filter = EntityFilter(
        enabled=draw(st.booleans() | st.just(True)),
        prefixes=draw(st.permutations(chosen)),
        exclude_domains=excluded,
        exclude_entities=draw(st.permutations(dropped)),
    )
    return entity_filter, [i for i in near if well_formed(i)]


def well_formed(entity_id: str) -> bool:
    """HA's filter code only ever sees ids with a domain and an object id."""
    domain, dot, object_id = entity_id.partition(".")
    return bool(domain and dot and object_id)


def server_side(entity_filter: EntityFilter) -> Callable[[str], bool]:
    """Return the translated filter, evaluated by Home Assistant's code."""
    if entity_filter.matches_nothing:
        return lambda _entity_id: False  # the client does not subscribe at all
    config = INCLUDE_EXCLUDE_BASE_FILTER_SCHEMA(entity_filter.server_filter())
    return convert_include_exclude_filter(config)


def check(entity_filter: EntityFilter, ids: list[str]) -> None:
    """Check the remote sends exactly what the client keeps.

    Where HA's filter cannot say the rule, it must send at least that.
    """
    server_sends = server_side(entity_filter)
    exact = entity_filter.server_filter_exact
    for entity_id in ids:
        sends, keeps = server_sends(entity_id), entity_filter(entity_id)
        assert sends == keeps if exact else sends or not keeps, (
            entity_filter,
            entity_filter.server_filter(),
            entity_id,
        )


@settings(
    max_examples=600,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(drawn=filters(), ids=st.lists(entity_ids, min_size=1, max_size=16))
def test_server_filter_equals_client_filter(
    drawn: tuple[EntityFilter, list[str]], ids: list[str]
) -> None:
    """For any id: the remote sends it exactly when the client filter keeps it."""
    entity_filter, near = drawn
    check(entity_filter, ids + near)


@pytest.mark.parametrize(
    ("entity_filter", "ids"),
    [
        (
            EntityFilter(prefixes=["a"], exclude_domains=["a0", "a+", "a-"]),
            ["a0.x", "a+.x", "a-.x", "a,.x", "a1.x", "a.x"],
        ),
        (
            EntityFilter(prefixes=["a"], exclude_domains=["a]", "a0"]),
            ["a].x", "a0.x", "a1.x", "a]].x"],
        ),
        (
            EntityFilter(prefixes=["sen"], exclude_domains=["sensor"]),
            ["sensor.a", "sensors.a", "sen.a", "senso.a", "sensor_x.y"],
        ),
        # An include glob would beat an excluded domain: HA checks it first.
        (
            EntityFilter(prefixes=["sensor.*"], exclude_domains=["sensor"]),
            ["sensor.a", "sensors.a"],
        ),
        # An exclusion glob must still apply beside domain-named prefixes.
        (
            EntityFilter(
                prefixes=["sensor.t", "light."],
                exclude_entities=["*_power", "light.hall"],
            ),
            [
                "sensor.t_power",
                "sensor.temp",
                "sensor.x",
                "light.hall",
                "light.a_power",
                "light.a",
                "lights.a",
            ],
        ),
        # Everything except three sensors (and the power ones).
        (
            EntityFilter(exclude_entities=["sensor.a", "sensor.b", "*_power"]),
            ["sensor.a", "sensor.b", "sensor.c", "switch.x_power", "camera.x"],
        ),
    ],
)
def test_server_filter_known_cases(entity_filter: EntityFilter, ids: list[str]) -> None:
    """Cases that once went wrong, or that HA's precedence makes tricky."""
    check(entity_filter, ids)
    assert entity_filter.server_filter_exact
