import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercli.domain.errors import InsufficientStock, InvalidData
from ordercli.domain.stock import Allocation, Need, check_adjustment, normalize_location_name, plan_promises

MAIN, NORTH, STORE = 1, 2, 3
ORDER = [MAIN, NORTH, STORE]  # the default first, then in the order they were added


def test_the_whole_order_from_the_default_location_when_it_can():
    plan = plan_promises([Need(1, 10, 2), Need(2, 20, 1)], {(10, MAIN): 5, (20, MAIN): 1, (10, NORTH): 9, (20, NORTH): 9}, ORDER)
    assert plan.allocations == (Allocation(1, 10, MAIN, 2), Allocation(2, 20, MAIN, 1))
    assert plan.complete


def test_the_whole_order_from_another_location_before_splitting():
    plan = plan_promises([Need(1, 10, 2), Need(2, 20, 1)], {(10, MAIN): 5, (20, NORTH): 1, (10, STORE): 2, (20, STORE): 1}, ORDER)
    assert {a.location_id for a in plan.allocations} == {STORE}


def test_line_by_line_when_no_location_has_everything():
    plan = plan_promises([Need(1, 10, 2), Need(2, 20, 1)], {(10, MAIN): 5, (20, NORTH): 1}, ORDER)
    assert plan.allocations == (Allocation(1, 10, MAIN, 2), Allocation(2, 20, NORTH, 1))


def test_a_line_is_split_in_location_order_when_no_location_has_it_whole():
    plan = plan_promises([Need(1, 10, 10)], {(10, MAIN): 4, (10, NORTH): 3, (10, STORE): 5}, ORDER)
    assert plan.allocations == (Allocation(1, 10, MAIN, 4), Allocation(1, 10, NORTH, 3), Allocation(1, 10, STORE, 3))


def test_what_no_location_has_is_short():
    plan = plan_promises([Need(1, 10, 10), Need(2, 20, 1)], {(10, MAIN): 4, (20, STORE): 1}, ORDER)
    assert plan.short == {1: 6}
    assert Allocation(1, 10, MAIN, 4) in plan.allocations
    assert not plan.complete


def test_two_lines_of_one_product_share_what_there_is():
    plan = plan_promises([Need(1, 10, 3), Need(2, 10, 3)], {(10, MAIN): 4, (10, NORTH): 1}, ORDER)
    assert plan.allocations == (Allocation(1, 10, MAIN, 3), Allocation(2, 10, MAIN, 1), Allocation(2, 10, NORTH, 1))
    assert plan.short == {2: 1}


@given(
    st.lists(st.tuples(st.integers(1, 3), st.integers(1, 20)), min_size=1, max_size=8),
    st.dictionaries(st.tuples(st.integers(1, 3), st.sampled_from(ORDER)), st.integers(0, 30), max_size=9),
)
def test_a_plan_never_promises_more_than_is_there_and_accounts_for_every_unit(lines, available):
    needs = [Need(i, product, quantity) for i, (product, quantity) in enumerate(lines)]
    plan = plan_promises(needs, available, ORDER)
    taken = {}
    for a in plan.allocations:
        assert a.quantity > 0
        taken[(a.product_id, a.location_id)] = taken.get((a.product_id, a.location_id), 0) + a.quantity
    for key, units in taken.items():
        assert units <= available.get(key, 0)
    for need in needs:
        promised = sum(a.quantity for a in plan.allocations if a.key == need.key)
        assert promised + plan.short.get(need.key, 0) == need.quantity
    # nothing is short while some location still has that product
    for key, missing in plan.short.items():
        product = needs[key].product_id
        assert all(available.get((product, loc), 0) - taken.get((product, loc), 0) == 0 for loc in ORDER)


def test_adjustments_never_go_below_what_is_promised():
    check_adjustment("CHAI", "main", 10, 4, -6)
    with pytest.raises(InsufficientStock, match="would leave 3 on hand, below the 4 promised to orders"):
        check_adjustment("CHAI", "main", 10, 4, -7)


def test_location_names_are_lower_case_identifiers():
    assert normalize_location_name(" Berlin-Store ") == "berlin-store"
    for bad in ["", "two words", "-x", "x" * 65, "ü"]:
        with pytest.raises(InvalidData):
            normalize_location_name(bad)
