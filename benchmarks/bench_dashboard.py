"""Time from clicking Step to the page showing the next year, in Chromium (run on demand).

    uv run python benchmarks/bench_dashboard.py [--steps 100] [--scenario historical]

Starts ``sim dashboard`` on a free port, opens the page in Chromium (``/usr/bin/chromium``, or ``SIM_CHROMIUM``),
chooses the scenario, then clicks Step ``--steps`` times. Each latency is measured in the browser, from the click
event to the moment the year element shows the next year (a MutationObserver), so it includes the server's step
and every chart's new options reaching the page. Prints the median, 95th percentile and maximum.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("SIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--scenario", default="historical")
    args = parser.parse_args()
    port = free_port()
    url = f"http://localhost:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "sim", "dashboard", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1600, "height": 1300})
            page.goto(url)
            page.wait_for_selector(".sim-chart-map canvas", timeout=90_000)
            if args.scenario != "historical":
                page.locator(".sim-scenario .v-select__slot").click()
                page.locator(".menuable__content__active .v-list-item", has_text=args.scenario).first.click()
                page.locator(".sim-reset").click()
                time.sleep(2)
            page.locator(".sim-state .v-select__slot").click()  # follow a state: the drill-down charts update too
            page.locator(".menuable__content__active .v-list-item").first.click()
            time.sleep(1)
            latencies = []
            for _ in range(args.steps):
                if page.locator(".sim-step").is_disabled():
                    break
                latencies.append(page.evaluate(MEASURE))
                time.sleep(0.05)
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    print(f"{args.scenario}: {len(latencies)} steps, click to next year shown in the page")
    print(f"  median {statistics.median(latencies):.0f} ms, 95th percentile {p95:.0f} ms, max {latencies[-1]:.0f} ms")


if __name__ == "__main__":
    main()
