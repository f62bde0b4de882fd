"""The tour of every page as the admin (who sees them all), in both languages, at 1920×1080 and
1366×768 (issue #15): no None / nan / NaT, no mixed language, every tile whole (tests/tour_support.py
says what each check reads). The other roles tour the pages whose content depends on the role in
tests/test_tour_roles.py: the two files run on different workers.

One server on a small demo county (realistic names, money and volumes), one login; the pages are
visited through the sidebar, each checked at both sizes (the viewport changes, the script does not
rerun); the language changes once. A screenshot of every page at both sizes for a person to look at
(Chromium without WebGL, conftest's `browser`: the map panels are empty here; test_bigscreen_browser.py
and test_economy_browser.py shoot the maps drawn).
"""

from __future__ import annotations

import pytest
from browser_support import CHROMIUM
from tour_support import module_fixtures, run_tour

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


county, server = module_fixtures("tour")


def test_tour_every_page_as_admin(browser, server, county):
    problems = run_tour(browser, server, county[1], "admin", every_page=True)
    assert not problems, "\n".join(problems[:80]) + f"\n({len(problems)} problems)"
