"""The cache keys of the records the cached functions take: exact, so two different selections never share a result."""

from dataclasses import fields, replace

import pytest

from components.caching import HASH_FUNCS
from evidence.compare import PoolMethod
from evidence.filters import Filters
from evidence.trials.landscape import TrialQuery

CHANGED = {tuple: ("x",), int: 7, str: "changed", bool: True, type(None): 3}


@pytest.mark.parametrize("record", [Filters(), TrialQuery(), PoolMethod()], ids=lambda r: type(r).__name__)
def test_every_field_changes_the_key(record):
    key = HASH_FUNCS[type(record)]
    assert getattr(type(record), "__dataclass_params__").frozen  # a frozen record: its key cannot go stale
    for field in fields(record):
        value = getattr(record, field.name)
        other = replace(record, **{field.name: CHANGED[type(value)] if value != CHANGED[type(value)] else "other"})
        assert key(other) != key(record), field.name


def test_keys_tell_near_values_apart():
    # no year and year 0, or the same values in another order, are different arguments to a cached function
    assert HASH_FUNCS[Filters](Filters(year_from=None)) != HASH_FUNCS[Filters](Filters(year_from=0))
    assert HASH_FUNCS[Filters](Filters(diseases=("sle", "ra"))) != HASH_FUNCS[Filters](Filters(diseases=("ra", "sle")))
