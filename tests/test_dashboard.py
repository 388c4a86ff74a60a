"""End-to-end tests of the live dashboard in a real browser (Chromium driven by Playwright), at 1280x720 (a
classroom projector) and 1920x1080.

The app is served on a free localhost port by ``sim dashboard`` (in its own process group, killed at the end)
for the whole module, with every outgoing HTTP(S) request of the server sent to a local recording proxy, so a
test can prove the server fetched nothing from another host. Chromium comes from Debian (``/usr/bin/chromium``;
``SIM_CHROMIUM`` points elsewhere). Without it these tests are skipped with that instruction, unless
``SIM_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which makes them fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
RESULTS = ROOT / "results"
SIZES = {"1280x720": (1280, 720), "1920x1080": (1920, 1080)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RecordingProxy:
    """A local TCP listener standing in for the internet: it records each connection (the request line) and closes."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.requests.append(conn.recv(1024).decode("latin-1").splitlines()[0])
                except (OSError, IndexError):
                    self.requests.append("(connection)")

    def close(self) -> None:
        self.sock.close()


def _start_server(port: int, env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sim", "dashboard", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,  # its own process group: the fixture kills the whole group
    )


def _wait_until_serving(url: str, proc: subprocess.Popen, timeout: float = 90) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        if proc.poll() is not None:
            return False
        time.sleep(0.3)
    return False


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def proxy():
    p = RecordingProxy()
    yield p
    p.close()


@pytest.fixture(scope="module")
def server(proxy):
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: `apt-get install -y chromium` (bash .ci/run does it)"
        if os.environ.get("SIM_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    url = f"http://localhost:{port}"
    outside = f"http://127.0.0.1:{proxy.port}"
    env = {**os.environ, "HTTP_PROXY": outside, "HTTPS_PROXY": outside, "http_proxy": outside,
           "https_proxy": outside, "NO_PROXY": "localhost,127.0.0.1", "no_proxy": "localhost,127.0.0.1"}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    log = open(RESULTS / ".dashboard-test.log", "w")  # noqa: SIM115
    proc = _start_server(port, env, log)
    if not _wait_until_serving(url, proc):
        _kill_group(proc)
        pytest.fail(f"the dashboard server did not start: see {log.name}")
    yield url
    _kill_group(proc)
    log.close()
    assert not _group_alive(proc.pid), "a dashboard server outlived its tests"


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


class Page:
    """A dashboard page in its own browser context (its own session), with the console and network watched."""

    def __init__(self, browser, url: str, size: str = "1280x720", path: str = ""):
        width, height = SIZES[size]
        self.url = url
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.external: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        self.page.on("request", lambda r: None if r.url.startswith(url) else self.external.append(r.url))
        self.page.goto(url + path)
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

    def play(self) -> None:
        self.page.locator(".sim-play").click()
        self.page.wait_for_selector(".sim-play:has-text('Pause')")

    def pause(self) -> int:
        """Click Pause; the year the page showed at the click."""
        return self.page.evaluate(
            "() => { const y = Number(document.querySelector('.sim-year').innerText);"
            " document.querySelector('.sim-play').click(); return y; }"
        )

    def chips(self) -> str:
        return str(self.page.locator(".sim-chip").all_inner_texts())

    def type_into(self, field: str, text: str) -> None:
        box = self.page.locator(f"{field} input")
        box.fill(text)
        box.press("Enter")
        box.blur()

    def field_message(self, field: str, containing: str = "") -> str:
        """The message under a field (waiting until it contains ``containing``; on timeout, whatever it says)."""
        selector = f"{field} .v-messages__message"
        script = "([s, t]) => { const e = document.querySelector(s); return e !== null && e.innerText.includes(t); }"
        with contextlib.suppress(Exception):  # on timeout the caller's assertion shows the message
            self.page.wait_for_function(script, arg=[selector, containing], timeout=15_000)
        return self.page.inner_text(selector) if self.page.locator(selector).count() else ""

    def choose(self, field: str, name: str) -> None:
        self.page.locator(f"{field} .v-select__slot").click()
        self.page.locator(".menuable__content__active .v-list-item", has_text=name).first.click()

    def set_slider(self, name: str, presses: int, key: str = "ArrowRight") -> None:
        thumb = self.page.locator(f".sim-slider-{name} .v-slider__thumb-container")
        thumb.focus()
        for _ in range(presses):
            self.page.keyboard.press(key)

    def wait_url(self, *parts: str) -> str:
        """Wait until the page's URL holds every part (the URL follows the view a moment after it)."""
        script = "parts => parts.every(p => window.location.href.includes(p))"
        self.page.wait_for_function(script, arg=list(parts), timeout=15_000)
        return self.page.url

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser, server):
    p = Page(browser, server)
    yield p
    p.close()


# -- server hygiene ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", list(SIZES))
def test_page_loads_offline_without_console_errors(browser, server, size):
    p = Page(browser, server, size)
    try:
        assert p.year() == 1917
        for name in ("map", "counts", "features", "network"):
            assert p.page.locator(f".sim-chart-{name} canvas").count() >= 1, name
        time.sleep(0.5)
        assert p.errors == []
        assert p.external == [], "the page fetched assets from outside the server (it must work offline)"
    finally:
        p.close()


def test_a_drill_down_makes_no_request_outside_this_machine(page, proxy):
    """On main, opening a drill-down made the server fetch KaTeX from a CDN (solara's Markdown)."""
    page.step(30)
    page.page.locator(".sim-chart-map canvas").first.click(position={"x": 200, "y": 120})
    page.page.wait_for_selector(".sim-chart-indicators canvas", timeout=30_000)
    page.page.wait_for_selector(".sim-why")
    time.sleep(1.5)
    assert page.external == []
    assert proxy.requests == [], f"the server sent requests to other hosts: {proxy.requests}"
    assert page.errors == []


def test_sigterm_to_sim_dashboard_stops_the_server(tmp_path):
    """On main, SIGTERM killed the wrapper and left the solara server on the port."""
    port = _free_port()
    url = f"http://localhost:{port}"
    with open(tmp_path / "server.log", "w") as log:
        proc = _start_server(port, dict(os.environ), log)
        try:
            assert _wait_until_serving(url, proc), (tmp_path / "server.log").read_text()
            os.kill(proc.pid, signal.SIGTERM)  # the command only, as a service manager would
            proc.wait(15)
            time.sleep(0.5)
            assert not _group_alive(proc.pid), "a process of the dashboard survived SIGTERM"
            with pytest.raises(OSError):
                urllib.request.urlopen(url, timeout=2)
        finally:
            if _group_alive(proc.pid):
                os.killpg(proc.pid, signal.SIGKILL)


# -- inputs: errors beside the field, the run kept ----------------------------------------------------------------


def _run_is_kept(page: Page, year: int) -> None:
    page.reset()
    time.sleep(1.0)
    assert page.year() == year, "the previous run was lost"
    assert "Traceback" not in page.page.inner_text("body")
    assert "/site-packages/" not in page.page.inner_text("body")


def test_a_folder_unreadable_or_non_toml_path_is_shown_beside_the_field(page, tmp_path):
    page.step(3)
    not_toml = tmp_path / "notes.toml"
    not_toml.write_text("this is [not toml", encoding="utf-8")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    variant = ROOT / "sim" / "scenarios" / "whatif" / "tolerate_1968.toml"
    for typed, expected in (
        (str(ROOT / "sim" / "scenarios"), "is a folder"),
        (str(tmp_path / "missing.toml"), "no such scenario file"),
        (str(not_toml), "malformed TOML"),
        (str(binary), "not UTF-8"),
        (str(variant), "a what-if variant"),
    ):
        page.type_into(".sim-path", typed)
        message = page.field_message(".sim-path", expected)
        assert expected in message, (typed, message)
        _run_is_kept(page, 1920)
    page.type_into(".sim-path", "")
    page.page.wait_for_selector(".sim-path .v-messages__message", state="detached", timeout=15_000)


def test_a_schema_error_names_the_file_and_the_key(page, tmp_path):
    bad = tmp_path / "broken.toml"
    text = (ROOT / "sim" / "scenarios" / "stylized.toml").read_text(encoding="utf-8")
    bad.write_text(text.replace("population = 180.0", 'population = "large"', 1), encoding="utf-8")
    page.type_into(".sim-path", str(bad))
    message = page.field_message(".sim-path", "population")
    assert "broken.toml" in message and "states[0].population" in message
    _run_is_kept(page, 1917)


@pytest.mark.parametrize("seed", ["-1", "abc", "1.5", ""])
def test_a_bad_seed_is_refused_beside_the_field(page, seed):
    """On main: -1 replaced the page with a traceback, abc and 1.5 were ignored, empty became 0."""
    page.step(2)
    page.type_into(".sim-seed", seed)
    message = page.field_message(".sim-seed", "Seed")
    assert "Seed" in message and "0 to 4294967295" in message, message
    _run_is_kept(page, 1919)


def test_a_good_seed_is_applied_on_reset(page):
    page.type_into(".sim-seed", "7")
    page.page.wait_for_selector(".sim-pending")
    page.reset()
    page.page.wait_for_selector(".sim-title:has-text('seed 7')")
    page.wait_url("seed=7")


# -- play that keeps its promise ----------------------------------------------------------------------------------


def _achieved_rate(page: Page, seconds: float) -> float:
    page.play()
    start_year, start = page.year(), time.perf_counter()
    time.sleep(seconds)
    end_year, end = page.year(), time.perf_counter()
    page.pause()
    return (end_year - start_year) / (end - start)


def test_play_at_ten_years_a_second_follows_the_clock_and_never_freezes(page):
    """On main 10 years/s was slower than 6, and at 12 or more the display froze for 10-20 s.

    What holds on any machine: play never runs ahead of the speed asked (it follows the wall clock) and the display
    keeps moving (it skips years rather than fall behind). Whether the speed is met within 20% depends on the
    machine, so it is a benchmark figure (``benchmarks/bench_dashboard.py``), not a test.
    """
    page.set_slider("speed", 12)  # 4 -> 10 years per second (steps of 0.5)
    page.page.wait_for_selector(".sim-slider-speed:has-text('Speed: 10')")
    rate = _achieved_rate(page, 4.0)
    assert 2.0 <= rate <= 12.0, rate


def test_pause_holds_the_year_shown(page):
    """On main Pause ran 2-6 years past the click in 3 of 11 tries."""
    page.set_slider("speed", 12)
    for _ in range(3):
        page.play()
        time.sleep(0.8)
        clicked = page.pause()
        page.page.wait_for_selector(".sim-play:has-text('Play')")
        time.sleep(0.8)
        assert page.year() == clicked


def test_stop_at_year_stops_exactly_there(page):
    page.type_into(".sim-stop-at", "1925")
    page.play()
    page.page.wait_for_selector(".sim-play:has-text('Play')", timeout=30_000)
    time.sleep(0.5)
    assert page.year() == 1925
    page.type_into(".sim-stop-at", "1800")
    assert "outside the run" in page.field_message(".sim-stop-at", "outside the run")


# -- the hegemony schedule ----------------------------------------------------------------------------------------


def test_the_fall_year_slider_spans_the_scenarios_years(page):
    """On main the slider ran 1925-2030 whatever the scenario. In the historical scenario, which decides hegemony,
    the sliders override the decision; their defaults (a fall at the end of the run) mean no override."""
    slider = page.page.locator(".sim-slider-fall_year [role=slider]")
    assert (slider.get_attribute("aria-valuemin"), slider.get_attribute("aria-valuemax")) == ("1917", "2030")
    page.set_slider("fall_year", 1, "Home")  # to the first year: hegemony has fallen from the start
    page.page.wait_for_selector(".sim-slider-fall_year:has-text('fallen by: 1917')")
    page.page.wait_for_selector(".sim-pending")
    page.reset()
    page.page.wait_for_selector(".sim-pending", state="detached")
    page.wait_year(1917)
    page.step(30)
    chips = page.chips()
    page.page.locator(".sim-defaults").click()  # no override: the Soviet leadership decides (ODD 7.12)
    page.page.wait_for_selector(".sim-slider-fall_year:has-text('fallen by: 2030')")
    assert page.page.locator(".sim-decided").count() == 1
    page.reset()
    page.page.wait_for_selector(".sim-pending", state="detached")
    page.wait_year(1917)
    page.step(30)
    assert page.chips() != chips  # the centre never backed the 1940s takeovers with hegemony gone


# -- what-if side by side -----------------------------------------------------------------------------------------


def test_a_what_if_runs_beside_the_baseline_with_its_causes_listed(page):
    page.choose(".sim-variant", "no_afghan_war")
    page.reset()
    page.page.wait_for_selector(".sim-chart-map-variant canvas", timeout=30_000)
    page.page.wait_for_selector(".sim-changes li", timeout=15_000)
    assert "removed: year 1979, kind occupation" in page.page.inner_text(".sim-changes")
    assert "schedule of war replaced" in page.page.inner_text(".sim-changes")
    counts = page.page.locator(".sim-card-whatif .sim-counts").all_inner_texts()
    assert len(counts) == 2 and "baseline" in counts[0] and "what-if" in counts[1]
    page.wait_url("variant=no_afghan_war")


def test_a_variant_for_another_scenario_or_not_a_variant_is_refused(page):
    page.type_into(".sim-variant-path", str(ROOT / "sim" / "scenarios" / "stylized.toml"))
    assert "not a what-if variant" in page.field_message(".sim-variant-path", "not a what-if variant")


# -- timeline and URL ---------------------------------------------------------------------------------------------


def test_the_timeline_scrubs_back_and_a_link_restores_the_view(browser, server):
    a = Page(browser, server)
    try:
        a.step(12)
        a.page.locator(".sim-timeline .v-slider__thumb-container").focus()
        for _ in range(5):
            a.page.keyboard.press("ArrowLeft")
        a.wait_year(1924)
        a.step(2)  # forward through kept years
        assert a.year() == 1926
        link = a.wait_url("year=1926", "seed=1")
    finally:
        a.close()
    b = Page(browser, server, path=link.removeprefix(server))
    try:
        b.wait_year(1926)
    finally:
        b.close()


# -- why on click ------------------------------------------------------------------------------------------------


def test_clicking_a_state_says_why_in_words(browser, server):
    p = Page(browser, server, path="/?scenario=historical&seed=1&year=1992")
    try:
        p.page.locator(".sim-chart-map canvas").first.click(position={"x": 200, "y": 75})  # the European block
        p.page.wait_for_selector(".sim-why", timeout=30_000)
        state = p.page.inner_text(".sim-card-state .v-card__title")
        why = p.page.inner_text(".sim-why")
        assert " went from " in why or "No status change" in why, (state, why)
        assert "_" not in why and "->" not in why  # words, not raw names
        log = p.page.inner_text(".sim-state-events")
        assert log
        pages = p.page.inner_text(".sim-page")
        p.type_into(".sim-since", "abc")
        assert "not a year" in p.field_message(".sim-since", "not a year")
        p.type_into(".sim-since", "1980")
        p.page.wait_for_function(f"document.querySelector('.sim-page').innerText != {pages!r}")
        assert p.errors == []
    finally:
        p.close()


def test_the_state_log_shows_every_kind_of_event(browser, server):
    """On main the log dropped bans, called elections, party rules and admonitions and kept only 80 events."""
    p = Page(browser, server, path="/?scenario=historical&seed=1&year=1960")
    try:
        p.page.locator(".sim-chart-map canvas").first.click(position={"x": 200, "y": 75})
        p.page.wait_for_selector(".sim-state-events", timeout=30_000)
        text = p.page.inner_text(".sim-page")
        assert "events)" in text
    finally:
        p.close()


# -- registry controls and series ---------------------------------------------------------------------------------


def test_any_parameter_can_be_added_from_the_registry_and_any_series_charted(page):
    page.page.locator(".sim-add-parameter input[type=text]").fill("glasnost")
    page.page.locator(".menuable__content__active .v-list-item", has_text="glasnost_step").first.click()
    page.page.wait_for_selector(".sim-slider-glasnost_step", timeout=15_000)
    assert "glasnost_step" in page.page.inner_text(".sim-slider-glasnost_step")
    page.page.locator(".sim-series input[type=text]").fill("hegemony")
    page.page.locator(".menuable__content__active .v-list-item", has_text="world: hegemony").first.click()
    page.page.wait_for_selector(".sim-chart-series canvas", timeout=15_000)


# -- layout at both sizes, presenter mode, screenshots ------------------------------------------------------------

OVERFLOW = """
() => {
  const bad = [];
  for (const el of document.querySelectorAll('.v-card, .v-card__title, .sim-panel, .sim-transport, .sim-counts')) {
    if (el.offsetParent === null) continue;
    if (el.scrollWidth > el.clientWidth + 1) bad.push('overflow: ' + el.className + ' ' + el.innerText.slice(0, 40));
  }
  for (const title of document.querySelectorAll('.v-card__title')) {
    const words = title.innerText.split(/\\s+/);
    const range = document.createRange();
    const node = title.firstChild;
    if (node && node.nodeType === 3) {
      let offset = 0;
      for (const w of words) {
        const at = node.textContent.indexOf(w, offset);
        if (at < 0) continue;
        range.setStart(node, at); range.setEnd(node, at + w.length);
        if (range.getClientRects().length > 1) bad.push('broken word: ' + w);
        offset = at + w.length;
      }
    }
  }
  const cards = [...document.querySelectorAll('main .v-card')].filter(c => c.offsetParent !== null)
    .map(c => [c, c.getBoundingClientRect()]);
  for (let i = 0; i < cards.length; i++) for (let j = i + 1; j < cards.length; j++) {
    const [a, ra] = cards[i], [b, rb] = cards[j];
    if (a.contains(b) || b.contains(a)) continue;
    const overlap = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left) > 1
      && Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top) > 1;
    if (overlap) bad.push('overlap: ' + a.className + ' / ' + b.className);
  }
  return bad;
}
"""


@pytest.mark.parametrize("size", list(SIZES))
def test_no_panel_overflows_or_overlaps_and_screenshots(browser, server, size):
    """On main at 1280x720: the features table ran together, the map legend was cut, titles broke inside words."""
    p = Page(browser, server, size, path="/?scenario=historical&seed=1&year=1962&variant=tolerate_1968")
    try:
        p.page.wait_for_selector(".sim-chart-map-variant canvas", timeout=30_000)
        p.page.locator(".sim-card-map .sim-chart-map canvas").first.click(position={"x": 220, "y": 80})
        p.page.wait_for_selector(".sim-chart-indicators canvas", timeout=30_000)
        time.sleep(1.0)
        assert p.page.evaluate(OVERFLOW) == []
        p.page.screenshot(path=str(RESULTS / f"dashboard-{size}.png"))
        # the whole page, as tall as it is
        height = p.page.evaluate("document.querySelector('main .v-content__wrap > div').scrollHeight")
        p.page.set_viewport_size({"width": SIZES[size][0], "height": max(SIZES[size][1], int(height) + 80)})
        time.sleep(1.0)
        p.page.screenshot(path=str(RESULTS / f"dashboard-{size}-full.png"))
        assert p.errors == []
    finally:
        p.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_presenter_mode_keeps_controls_reachable_and_type_large(browser, server, size):
    """On main, collapsing the sidebar hid Play/Step/Reset, and only the year and tiles could be read."""
    p = Page(browser, server, size, path="/?scenario=historical&seed=1&year=1985")
    try:
        p.page.locator(".sim-presenter").click()
        p.page.wait_for_selector(".sim-transport-big")
        width, height = SIZES[size]
        for control in (".sim-play", ".sim-step", ".sim-reset", ".sim-year"):
            box = p.page.locator(control).bounding_box()
            assert box and box["x"] >= 0 and box["y"] >= 0, control
            assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, control
        size_px = p.page.evaluate("parseFloat(getComputedStyle(document.querySelector('.sim-year')).fontSize)")
        assert size_px >= 60
        events_px = p.page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('.sim-presenter-events li')).fontSize)"
        )
        assert events_px >= 20
        map_box = p.page.locator(".sim-chart-map").bounding_box()
        assert map_box["y"] + map_box["height"] <= height + 1, "the map runs off the projector's screen"
        assert p.page.evaluate(OVERFLOW) == []
        p.page.screenshot(path=str(RESULTS / f"dashboard-presenter-{size}.png"))
        p.step(1)
        assert p.year() == 1986
    finally:
        p.close()


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
