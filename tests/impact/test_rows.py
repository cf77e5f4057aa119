"""How the analyses' figures are written for the pages and the API."""

import pytest

from impact.rows import number


@pytest.mark.parametrize(
    ("value", "written"),
    [(-0.001, "0.00"), (-0.0, "0.00"), (0.004, "0.00"), (-0.006, "-0.01"), (3.14159, "3.14")],
)
def test_a_figure_that_rounds_to_nothing_has_no_sign(value, written):
    """The second wave's weighted interval began at "-0.00" in the API (0.00 on its page)."""
    assert number(value) == written
