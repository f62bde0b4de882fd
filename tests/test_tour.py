"""The tour (issue #15's "every role, both languages, both sizes"): every page as the admin (who sees
them all), and as the leader, the staff and the analyst each role's home page (its menu) and every
page whose content depends on the role (the page's script reads it: weights and targets that only
some roles may save, volunteers' names masked by role, links to pages a role may open, the wall's way
home); in both languages, at 1920×1080 and 1366×768: no None / nan / NaT, no mixed language, every
tile whole (tests/tour_support.py says what each check reads).

One module, so the four tours share one small demo county (realistic names, money and volumes) and
one server (its caches warm after the first tour); one login per role; the pages are visited
through the sidebar, each checked at both sizes (the viewport changes, the script does not rerun);
the language changes once per role, in the sidebar. A screenshot of every page at both sizes as the
admin for a person to look at (Chromium without WebGL, conftest's `browser`: the map panels are
empty here; test_bigscreen_browser.py and test_economy_browser.py shoot the maps drawn).
"""

from __future__ import annotations

import pytest
from browser_support import CHROMIUM
from tour_support import module_fixtures, reads_role, run_tour, tour_pages

from gridboard import ui

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing (apt-get install chromium)"),
]


def test_the_role_dependent_pages_are_the_ones_whose_script_reads_the_role():
    """The split is read from the page scripts, so a page that starts to depend on the role joins the
    role tour by itself; today these are the pages below (and no page the admin tour alone covers)."""
    assert sorted(s.url_path for s in ui.PAGES if s.menu and reads_role(s)) == [
        "bigscreen", "economy", "ranking", "targets", "volunteers"]
    assert [s.url_path for s in tour_pages("leader", every_page=False)] == [
        "overview", "ranking", "volunteers", "economy", "targets", "bigscreen"]
    assert [s.url_path for s in tour_pages("analyst", every_page=False)] == [
        "overview", "ranking", "volunteers", "economy"]


county, server = module_fixtures("tour")


def test_tour_every_page_as_admin(browser, server, county):
    problems = run_tour(browser, server, county[1], "admin", every_page=True)
    assert not problems, "\n".join(problems[:80]) + f"\n({len(problems)} problems)"


@pytest.mark.parametrize("role", ["leader", "staff", "analyst"])
def test_tour_as_role(browser, server, county, role):
    problems = run_tour(browser, server, county[1], role, every_page=False)
    assert not problems, "\n".join(problems[:80]) + f"\n({len(problems)} problems)"
