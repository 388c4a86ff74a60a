"""The dashboard in Chromium, this checkout beside a baseline checkout, measured in the same run (on demand).

    uv run python benchmarks/bench_dashboard.py --baseline-checkout /work/main [--steps 40] [--out FILE]

For each checkout it starts ``sim dashboard`` on a free port (its own process group, killed at the end; the
baseline with its own ``.venv`` when it has one, and no bytecode written into it), opens the page in Chromium
(``/usr/bin/chromium`` or ``SIM_CHROMIUM``) at 1600x1000 and measures, on the historical scenario:

- load to interactive: from navigation to the map drawn and Step enabled (median of 3 fresh pages);
- step latency: click Step to the page showing the next year (a MutationObserver on the year), ``--steps`` steps
  without and then with a state's drill-down open (median, 95th percentile);
- achieved years per second with the speed slider at 2, 4 and 10: the year shown over 5 s of play, after 1 s;
- pause overshoot: years between the year shown at the click on Pause and the year shown 1.5 s later (11 tries
  at 4 years/s);
- server memory (resident set of every process of the server's group): idle (after one page opened and closed),
  with six sessions open (each stepped 20 years), and 10 s after they closed (each page navigated away, as a
  closed tab does, so the server is told).

Prints a table (this checkout beside the baseline) and writes the figures as JSON (default
``results/bench_dashboard.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
VIEWPORT = {"width": 1600, "height": 1000}
MEASURE = """
() => new Promise(resolve => {
  const year = document.querySelector('.sim-year');
  const before = year.innerText;
  const start = performance.now();
  const observer = new MutationObserver(() => {
    if (year.innerText !== before) { observer.disconnect(); resolve(performance.now() - start); }
  });
  observer.observe(year, {childList: true, characterData: true, subtree: true});
  document.querySelector('.sim-step').click();
})
"""
PAUSE = """
() => { const y = Number(document.querySelector('.sim-year').innerText);
        document.querySelector('.sim-play').click(); return y; }
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_rss_mb(pgid: int) -> float:
    """Resident memory of every process in a process group, in MB."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ProcessLookupError):
            continue
    return total / 1024


class Server:
    """``sim dashboard`` of one checkout, in its own process group."""

    def __init__(self, checkout: Path):
        python = checkout / ".venv" / "bin" / "python"
        python = python if python.exists() else Path(sys.executable)
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(checkout), "PYTHONDONTWRITEBYTECODE": "1"}
        self.proc = subprocess.Popen(
            [str(python), "-m", "sim", "dashboard", "--port", str(self.port)],
            cwd=checkout,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url, timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"{checkout}: the dashboard did not start")

    def rss(self) -> float:
        return group_rss_mb(self.proc.pid)

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)


def open_page(browser, url: str):
    page = browser.new_page(viewport=VIEWPORT)
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(".sim-chart-map canvas", timeout=120_000)
    page.wait_for_selector(".sim-step:not([disabled])", timeout=60_000)
    return page, time.perf_counter() - started


def close_page(page) -> None:
    page.goto("about:blank")  # pagehide: the page tells the server it has gone, as a closed tab does
    page.close()


def open_drill_down(page) -> None:
    if page.locator(".sim-state").count():  # the baseline's state selector
        page.locator(".sim-state .v-select__slot").click()
        page.locator(".menuable__content__active .v-list-item", has_text="SUN").first.click()
    else:  # click the Soviet Union's tile on the map
        canvas = page.locator(".sim-chart-map canvas").first
        box = canvas.bounding_box()
        for fx, fy in ((0.59, 0.17), (0.55, 0.2), (0.6, 0.25), (0.5, 0.2)):
            canvas.click(position={"x": box["width"] * fx, "y": box["height"] * fy})
            try:
                page.wait_for_selector(".sim-chart-indicators canvas", timeout=3000)
                break
            except Exception:  # the next spot
                continue
    page.wait_for_selector(".sim-chart-indicators canvas", timeout=30_000)
    time.sleep(1)


def steps(page, n: int) -> list[float]:
    out = []
    for _ in range(n):
        if page.locator(".sim-step").is_disabled():
            break
        out.append(page.evaluate(MEASURE))
        time.sleep(0.05)
    return out


def speed_thumb(page):
    mine = page.locator(".sim-slider-speed .v-slider__thumb-container")
    if mine.count():
        return mine
    return page.locator(".v-card", has_text="Speed").locator(".v-slider__thumb-container").first


def set_speed(page, value: float, current: float = 4.0) -> None:
    thumb = speed_thumb(page)
    thumb.focus()
    key = "ArrowRight" if value > current else "ArrowLeft"
    for _ in range(round(abs(value - current) / 0.5)):
        page.keyboard.press(key)
    time.sleep(0.5)


def click(page, selector: str) -> None:
    """A DOM click (an open menu's overlay cannot swallow it)."""
    page.keyboard.press("Escape")
    page.evaluate(f"document.querySelector('{selector}').click()")


def year(page) -> int:
    return int(page.inner_text(".sim-year"))


def achieved_rate(browser, url: str, speed: float) -> float:
    """Years per second shown over 5 s of play at ``speed`` (a fresh page each time: no Reset needed)."""
    page, _ = open_page(browser, url)
    try:
        set_speed(page, speed)
        click(page, ".sim-play")
        time.sleep(1.0)
        y0, t0 = year(page), time.perf_counter()
        time.sleep(5.0)
        y1, t1 = year(page), time.perf_counter()
        page.evaluate(PAUSE)
        return (y1 - y0) / (t1 - t0)
    finally:
        close_page(page)


def pause_overshoot(browser, url: str, tries: int = 11) -> list[int]:
    """Years shown past the year on screen at the click on Pause, at 4 years per second."""
    out = []
    page, _ = open_page(browser, url)
    try:
        for _ in range(tries):
            if year(page) > 2010 or page.locator(".sim-play").is_disabled():
                close_page(page)
                page, _ = open_page(browser, url)
            click(page, ".sim-play")
            time.sleep(0.9)
            clicked = page.evaluate(PAUSE)
            time.sleep(1.5)
            out.append(year(page) - clicked)
    finally:
        close_page(page)
    return out


def attempt(name: str, measure_it, default=None):
    """Run one measurement; on failure report it and go on (one stuck page must not lose the rest)."""
    try:
        value = measure_it()
    except Exception as exc:  # a timeout in the page: the figure is missing, the others stand
        print(f"  {name}: failed ({type(exc).__name__}: {str(exc).splitlines()[0]})", flush=True)
        return default
    print(f"  {name}: done", flush=True)
    return value


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(checkout: Path, browser, n_steps: int) -> dict:
    server = Server(checkout)
    url = server.url
    try:
        loads = []
        for _ in range(3):
            page, seconds = open_page(browser, url)
            loads.append(seconds)
            close_page(page)
        time.sleep(3)
        idle = server.rss()
        page, _ = open_page(browser, url)
        plain = attempt("steps", lambda: steps(page, n_steps), [])
        drill = attempt("steps with drill-down", lambda: (open_drill_down(page), steps(page, n_steps))[1], [])
        close_page(page)
        rates = {str(s): attempt(f"speed {s}", lambda s=s: achieved_rate(browser, url, s)) for s in (2.0, 4.0, 10.0)}
        overshoot = attempt("pause", lambda: pause_overshoot(browser, url), [])
        pages = []
        for _ in range(6):
            p, _ = open_page(browser, url)
            attempt("a session's 20 steps", lambda p=p: steps(p, 20))
            pages.append(p)
        six = server.rss()
        for p in pages:
            close_page(p)
        time.sleep(10)
        after = server.rss()
    finally:
        server.stop()

    def summary(values: list[float]) -> dict:
        if not values:
            return {"median": None, "p95": None, "n": 0}
        return {"median": statistics.median(values), "p95": percentile(values, 0.95), "n": len(values)}

    return {
        "load_to_interactive_s": statistics.median(loads),
        "step_ms": summary(plain),
        "step_drill_down_ms": summary(drill),
        "years_per_s": rates,
        "pause_overshoot_years": {
            "max": max(overshoot, default=None),
            "tries_over": sum(o > 0 for o in overshoot),
            "all": overshoot,
        },
        "memory_mb": {"idle": idle, "six_sessions": six, "after_closing": after},
    }


def _f(value: float | None, digits: int = 0) -> str:
    return "failed" if value is None else f"{value:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline-checkout", type=Path, default=None, help="e.g. /work/main (omit: this only)")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "bench_dashboard.json")
    args = parser.parse_args()
    checkouts = {"this": ROOT}
    if args.baseline_checkout is not None:
        if not (args.baseline_checkout / "sim").is_dir():
            sys.stderr.write(f"error: --baseline-checkout {args.baseline_checkout}: no sim/ package there\n")
            raise SystemExit(2)
        checkouts["baseline"] = args.baseline_checkout.resolve()
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            for name, checkout in checkouts.items():
                print(f"measuring {name} ({checkout}) ...", flush=True)
                results[name] = measure(checkout, browser, args.steps)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")  # so far
        finally:
            browser.close()
    rows = [
        ("load to interactive (s)", lambda r: f"{r['load_to_interactive_s']:.2f}"),
        ("step, median / p95 (ms)", lambda r: f"{_f(r['step_ms']['median'])} / {_f(r['step_ms']['p95'])}"),
        ("step with drill-down, median / p95 (ms)",
         lambda r: f"{_f(r['step_drill_down_ms']['median'])} / {_f(r['step_drill_down_ms']['p95'])}"),
        *[(f"years/s at speed {s}", lambda r, s=s: _f(r["years_per_s"][s], 2)) for s in ("2.0", "4.0", "10.0")],
        ("pause overshoot, max years (tries over / 11)",
         lambda r: f"{r['pause_overshoot_years']['max']} ({r['pause_overshoot_years']['tries_over']})"),
        ("memory idle / 6 sessions / after closing (MB)",
         lambda r: " / ".join(f"{r['memory_mb'][k]:.0f}" for k in ("idle", "six_sessions", "after_closing"))),
    ]  # fmt: skip
    names = list(results)
    print(f"{'':48}" + "".join(f"{n:>22}" for n in names))
    for label, cell in rows:
        print(f"{label:48}" + "".join(f"{cell(results[n]):>22}" for n in names))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M"), "checkouts": {k: str(v) for k, v in
                                    checkouts.items()}, **results}, indent=2) + "\n", encoding="utf-8")  # fmt: skip
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
