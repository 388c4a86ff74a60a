"""End-to-end tests of the live dashboard in a real browser (Chromium driven by Playwright).

The app is served on a free localhost port by ``sim dashboard`` for the whole module. Chromium comes from Debian
(``/usr/bin/chromium``, installed by ``.ci/run``; ``SIM_CHROMIUM`` points elsewhere). Without it these tests are
skipped with that instruction, unless ``SIM_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which makes them fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = ROOT / "results" / "dashboard.png"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium` (bash .ci/run does it)"
        if os.environ.get("SIM_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    url = f"http://localhost:{port}"
    log = open(ROOT / "results" / ".dashboard-test.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "dashboard", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.time() + 90
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail(f"the dashboard server did not start: see {log.name}")
        time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


class Page:
    """A dashboard page in its own browser context (its own session), with the console and network watched."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport={"width": 1600, "height": 1300})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.external: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        self.page.on("request", lambda r: None if r.url.startswith(url) else self.external.append(r.url))
        self.page.goto(url)
        self.page.wait_for_selector(".sim-year", timeout=90_000)
        self.page.wait_for_selector(".sim-chart-map canvas", timeout=30_000)

    def year(self) -> int:
        return int(self.page.inner_text(".sim-year"))

    def wait_year(self, year: int, timeout: float = 30_000) -> None:
        script = f"(e => e !== null && e.innerText == '{year}')(document.querySelector('.sim-year'))"
        self.page.wait_for_function(script, timeout=timeout)

    def step(self, times: int = 1) -> None:
        for _ in range(times):
            before = self.year()
            self.page.locator(".sim-step").click()
            self.wait_year(before + 1)

    def reset(self) -> None:
        self.page.locator(".sim-reset").click()

    def chips(self) -> str:
        return self.page.locator(".v-chip").all_inner_texts().__str__()

    def map_image(self) -> bytes:
        time.sleep(0.3)  # let the canvas finish drawing
        return self.page.locator(".sim-chart-map").screenshot()

    def choose_scenario(self, name: str) -> None:
        self.page.locator(".sim-scenario .v-select__slot").click()
        self.page.locator(".menuable__content__active .v-list-item", has_text=name).first.click()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser, server):
    p = Page(browser, server)
    yield p
    p.close()


def test_page_loads_offline_without_console_errors(page):
    assert page.year() == 1917
    assert "Communist systems" in page.page.inner_text("body")
    for name in ("map", "counts", "features", "network"):
        assert page.page.locator(f".sim-chart-{name} canvas").count() >= 1, name
    time.sleep(1)
    assert page.errors == []
    assert page.external == [], "the page fetched assets from outside the server (it must work offline)"


def test_step_advances_the_year_and_changes_the_charts(page):
    before = page.map_image()
    events_before = page.page.inner_text(".sim-events")
    page.step(30)  # 1917 -> 1947: the Eastern European takeovers
    assert page.year() == 1947
    assert page.map_image() != before
    assert page.page.inner_text(".sim-events") != events_before
    assert "1947" in page.page.inner_text(".sim-events")


def test_play_advances_several_years_and_pause_stops_it(page):
    page.page.locator(".sim-play").click()
    page.page.wait_for_function("Number(document.querySelector('.sim-year').innerText) >= 1921", timeout=30_000)
    page.page.locator(".sim-play").click()  # now "Pause"
    time.sleep(0.5)
    stopped = page.year()
    assert stopped >= 1921
    time.sleep(1.5)
    assert page.year() == stopped


def test_reset_returns_to_the_start(page):
    page.step(3)
    page.reset()
    page.wait_year(1917)
    assert page.year() == 1917


def test_switching_scenario_and_moving_a_slider_change_the_run(page):
    page.choose_scenario("stylized")
    page.page.wait_for_selector(".sim-pending")  # the page says the change waits for Reset
    assert page.year() == 1917
    page.reset()
    page.wait_year(1945)
    page.page.wait_for_selector(".sim-pending", state="detached")
    page.step(6)
    with_hegemony = page.chips()
    thumb = page.page.locator(".sim-slider-hegemony_level .v-slider__thumb-container")
    thumb.focus()
    page.page.keyboard.press("Home")  # hegemony plateau 0: the centre backs no takeover
    page.page.wait_for_selector(".sim-pending")
    page.reset()
    page.wait_year(1945)
    page.step(6)
    without = page.chips()
    assert with_hegemony != without, (with_hegemony, without)


def test_two_sessions_are_independent(browser, server):
    a, b = Page(browser, server), Page(browser, server)
    try:
        a.step(4)
        assert a.year() == 1921
        assert b.year() == 1917
        b.step(1)
        b.reset()
        b.wait_year(1917)
        time.sleep(0.5)
        assert a.year() == 1921
    finally:
        a.close()
        b.close()


def test_a_broken_scenario_shows_its_error_and_the_server_keeps_running(page, tmp_path):
    bad = tmp_path / "broken.toml"
    text = (ROOT / "sim" / "scenarios" / "stylized.toml").read_text(encoding="utf-8")
    bad.write_text(text.replace("population = 180.0", 'population = "large"', 1), encoding="utf-8")
    page.page.locator(".sim-path input").fill(str(bad))
    page.page.keyboard.press("Enter")
    page.reset()
    error = page.page.wait_for_selector(".sim-error", timeout=30_000)
    message = error.inner_text()
    assert "broken.toml" in message and "states[0].population" in message
    page.page.locator(".sim-path input").fill("")
    page.page.keyboard.press("Enter")
    page.reset()
    page.wait_year(1917)
    assert page.page.locator(".sim-error").count() == 0


def test_screenshot_of_the_dashboard(page):
    """A picture of the dashboard in the Cold War, for results/ (and a person to look at)."""
    page.step(1)
    page.page.locator(".sim-play").click()
    page.page.wait_for_function("Number(document.querySelector('.sim-year').innerText) >= 1962", timeout=60_000)
    page.page.locator(".sim-play").click()
    page.page.locator(".sim-chart-map canvas").first.click(position={"x": 200, "y": 150})
    page.page.locator(".sim-state .v-select__slot").click()
    page.page.locator(".menuable__content__active .v-list-item", has_text="POL").first.click()
    page.page.wait_for_selector(".sim-chart-indicators canvas", timeout=30_000)
    page.page.set_viewport_size({"width": 1600, "height": 2500})
    page.page.locator(".sim-year").scroll_into_view_if_needed()
    page.page.evaluate("document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    time.sleep(1.5)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 50_000
    assert page.errors == []
