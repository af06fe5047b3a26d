"""Every page of every role on a phone (390×844); the checks live in tests/browser/mobile.py."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ROLES
from tests.browser.mobile import visit_every_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_fits_a_phone(dash_duo, demo_app, role):
    visit_every_page(dash_duo, demo_app, "phone", role)
