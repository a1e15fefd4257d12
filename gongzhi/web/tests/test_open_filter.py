"""The console's and the grid pages' "open" filter is the one set of open states of the cases app."""

from gongzhi.cases.models import OPEN_STATES
from gongzhi.web.forms.filters import OPEN_FILTER


def test_the_open_filter_is_the_open_states():
    assert set(OPEN_FILTER.split(",")) == OPEN_STATES
