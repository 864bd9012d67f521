"""EntityFilter: the rule, its validation, and its server-side translation."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.helpers.entityfilter import (
    INCLUDE_EXCLUDE_BASE_FILTER_SCHEMA,
    convert_include_exclude_filter,
)
from hypothesis import HealthCheck, example, given, settings, strategies as st
import pytest

from custom_components.remote_bridge.remote import EntityFilter, FilterValidationError
from custom_components.remote_bridge.remote.filters import (
    DEFAULT_EXCLUDE_DOMAINS,
    validate_domains,
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
    ],
)
def test_rule(kwargs: dict, entity_id: str, keep: bool) -> None:
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


def test_matches_nothing() -> None:
    """Only prefixes that all fall in excluded domains match nothing."""
    assert EntityFilter(prefixes=["camera.", "automation.x"]).matches_nothing
    assert not EntityFilter(prefixes=["camera.", "light."]).matches_nothing
    assert not EntityFilter(prefixes=["cam"]).matches_nothing  # "camper.x"
    assert not EntityFilter(enabled=False, prefixes=["camera."]).matches_nothing
    assert not EntityFilter().matches_nothing


# -- validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefixes", "key"),
    [
        ([""], "empty_prefix"),
        (["   "], "empty_prefix"),
        (["Light."], "invalid_prefix"),
        (["light.*"], "invalid_prefix"),
        (["light.a.b"], "invalid_prefix"),
        ([".x"], "invalid_prefix"),
        (["light kitchen"], "invalid_prefix"),
        (["light.", " light. "], "duplicate_prefix"),
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
    domain = draw(
        st.sampled_from(excluded) if excluded and draw(st.booleans()) else domains
    )
    if kind == "domain":
        return f"{domain}."
    return f"{domain}.{draw(st.text(alphabet=CHARS, max_size=3))}"


@st.composite
def filters(draw: st.DrawFn) -> EntityFilter:
    """Draw an EntityFilter with generated (unvalidated) options."""
    excluded = draw(st.lists(domains, max_size=4, unique=True))
    chosen = draw(st.lists(prefixes(excluded), max_size=4))
    return EntityFilter(
        enabled=draw(st.booleans() | st.just(True)),
        prefixes=chosen,
        exclude_domains=excluded,
    )


def server_side(entity_filter: EntityFilter) -> Callable[[str], bool]:
    """Return the translated filter, evaluated by Home Assistant's code."""
    if entity_filter.matches_nothing:
        return lambda _entity_id: False  # the client does not subscribe at all
    config = INCLUDE_EXCLUDE_BASE_FILTER_SCHEMA(entity_filter.server_filter())
    return convert_include_exclude_filter(config)


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(entity_filter=filters(), ids=st.lists(entity_ids, min_size=1, max_size=16))
@example(
    entity_filter=EntityFilter(prefixes=["a"], exclude_domains=["a0", "a+", "a-"]),
    ids=["a0.x", "a+.x", "a-.x", "a,.x", "a1.x", "a.x"],
)
@example(
    entity_filter=EntityFilter(prefixes=["a"], exclude_domains=["a]", "a0"]),
    ids=["a].x", "a0.x", "a1.x", "a]].x"],
)
@example(
    entity_filter=EntityFilter(prefixes=["sen"], exclude_domains=["sensor"]),
    ids=["sensor.a", "sensors.a", "sen.a", "senso.a", "sensor_x.y"],
)
def test_server_filter_equals_client_filter(
    entity_filter: EntityFilter, ids: list[str]
) -> None:
    """For any id: the remote sends it exactly when the client filter keeps it."""
    server_sends = server_side(entity_filter)
    for entity_id in ids:
        assert server_sends(entity_id) == entity_filter(entity_id), (
            entity_filter,
            entity_filter.server_filter(),
            entity_id,
        )
