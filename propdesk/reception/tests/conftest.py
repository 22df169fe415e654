"""Fixtures of the reception tests (the sales-centre floor lives in `floor.py`)."""

from propdesk.reception.tests.floor import (  # noqa: F401
    centre,
    floor,
    other_centre,
    supervisor,
    walk_in,
)
from propdesk.reception.tests.rota import rota  # noqa: F401
