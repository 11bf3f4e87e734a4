"""The one registry class (registry.py): a name or alias registered twice refused with the kind and the name,
an alias reaching its entry, an unknown name listing the valid ones sorted, the order of registration kept."""
import pytest

from iqa_bench.errors import UnknownNameError
from iqa_bench.registry import Registry


def test_names_aliases_and_order():
    registry = Registry("widget")
    registry.register("b", 2)
    registry.register("a", 1, aliases=("first",))
    assert list(registry) == ["b", "a"] and registry.values() == [2, 1] and len(registry) == 2
    assert registry["first"] == 1 and "first" in registry and "c" not in registry


@pytest.mark.parametrize("name,aliases", [("a", ()), ("c", ("a",)), ("c", ("first",)), ("first", ())])
def test_a_name_or_alias_registered_twice_is_refused(name, aliases):
    registry = Registry("widget")
    registry.register("a", 1, aliases=("first",))
    with pytest.raises(ValueError, match="widget '(a|first)' registered twice"):
        registry.register(name, 3, aliases=aliases)
    assert list(registry) == ["a"]  # nothing of the refused entry was added


def test_an_unknown_name_lists_the_valid_ones():
    registry = Registry("widget", plural="widgets and aliases")
    registry.register("zeta", 1)
    registry.register("alpha", 2, aliases=("al",))
    with pytest.raises(UnknownNameError) as info:
        registry["beta"]
    assert str(info.value) == "unknown widget 'beta'; valid widgets and aliases: al, alpha, zeta"
    assert info.value.valid == ["al", "alpha", "zeta"]
