"""Load test: N concurrent readers in headless Chromium against ONE local `streamlit run app.py` on 127.0.0.1.

    .venv/bin/python bench/load.py --sessions 20 --rounds 2 > bench/results/load.json
    .venv/bin/python bench/load.py --project /tmp/copy     # A/B: serve a changed copy of the project instead

Each session (its own browser context in one shared Chromium, driven by Playwright's async API), per round:
  1. opens /explorer in a new tab load                      -> page-render time (goto → rendered)
  2. chooses a disease in the sidebar multiselect "Disease"  -> filter rerun time (typing, as tests/test_browser.py)
  3. opens Evidence Maps from the sidebar navigation         -> page-render time (click → rendered, charts drawn)
  4. returns to the Explorer from the sidebar navigation     -> page-render time
  5. downloads the CSV and checks it holds exactly the filtered rows (pandas, against evidence.filters)
Rounds are bounded (--rounds) and the whole test has a time limit (--time-limit): a session stops at the limit and
counts as failed. JSON on stdout; a short table on stderr. The server's memory is read from /proc/<pid>/status
(VmHWM = peak resident set) and sampled while the sessions run.

Only http://127.0.0.1 is ever contacted: the server binds 127.0.0.1, the base URL is checked, and Chromium runs with
a host-resolver rule that resolves no other host name; any request to another host is counted and reported.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

import common
import pandas as pd
from common import (
    LOOPBACK,
    assert_loopback,
    child_pid,
    log,
    machine_info,
    percentile,
    port_of,
    print_table,
    proc_status_mb,
)

STEP_TIMEOUT_MS = 120_000
DOWNLOAD_TIMEOUT_MS = 60_000
DISEASES = ("ssc", "sle", "ms", "ra", "crohn")  # rotated over sessions; all present in data/
# Chromium resolves no host name except the loopback address: nothing but 127.0.0.1 can be reached by name.
GUARD_ARGS = [f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOOPBACK}"]
RENDERED_JS = ("() => document.querySelector('[data-testid=\"stApp\"][data-test-script-state=\"notRunning\"]')"
               " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
               " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
               " && [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')].every(c => c.querySelector('.main-svg'))")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (default 20)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the reader's path per session (default 2)")
    parser.add_argument("--time-limit", type=float, default=900, help="overall limit in seconds (default 900)")
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds over which the sessions start (default 2)")
    parser.add_argument("--project", type=Path, default=None,
                        help="serve another checkout of the project (e.g. a copy with one suggested change: an A/B)")
    return parser.parse_args()


def expected_rows() -> dict[str, tuple[str, int]]:
    """For each disease of the rotation: its English label (what a reader types) and the CSV's expected row count."""
    from evidence import load_atlas
    from evidence.filters import Filters, filter_evidence

    atlas = load_atlas()
    return {code: (atlas.vocabulary.label("diseases", code, "en"), len(filter_evidence(atlas.evidence, Filters(diseases=(code,)))))
            for code in DISEASES}


# --------------------------------------------------------------------------- one reader


async def wait_rendered(page, title: str | None = None) -> None:
    """As tests.browser.wait_rendered (script stopped, no status widget or skeleton), plus every Plotly chart drawn;
    with `title`, first wait for that page's h1 (so a stale previous page never counts as rendered)."""
    if title:
        await page.wait_for_selector(f'[data-testid="stMain"] h1:has-text("{title}")', timeout=STEP_TIMEOUT_MS)
    await page.wait_for_function(RENDERED_JS, timeout=STEP_TIMEOUT_MS)


async def choose_disease(page, label: str, code: str) -> None:
    """Type the disease into the sidebar multiselect labelled "Disease" and pick it (as tests/test_browser.py does);
    rendered once the URL carries the filter and the rerun has finished."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Disease").first
    await box.click()
    await page.keyboard.type(label)
    await page.locator('[role="option"]').filter(has_text=label).first.click()
    await page.keyboard.press("Escape")
    await page.wait_for_url(re.compile(rf"[?&]disease={code}\b"), timeout=STEP_TIMEOUT_MS)
    await wait_rendered(page)


async def open_from_sidebar(page, path: str, title: str) -> None:
    await page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').first.click()
    await wait_rendered(page, title)


async def download_csv(page) -> bytes:
    async with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        await page.get_by_role("button", name="CSV", exact=True).click()
    download = await info.value
    return (await download.path()).read_bytes()


async def timed(record: dict, step: str, action):
    """Await one step of the reader's path; its time goes into the record, its name marks where a failure happened."""
    record["current_step"] = step
    start = time.perf_counter()
    result = await action
    record["steps"].append({"step": step, "ms": round(common.ms_since(start), 1)})
    return result


async def reader(browser, base: str, index: int, rounds: int, deadline: float, expected: dict, start_delay: float) -> dict:
    """One session: `rounds` passes over the reader's path; every step timed, every failure recorded."""
    code = DISEASES[index % len(DISEASES)]
    label, n_rows = expected[code]
    record = {"session": index, "disease": code, "steps": [], "rounds_done": 0, "error": None, "off_host_requests": [], "current_step": None}
    await asyncio.sleep(start_delay)
    context = await browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = await context.new_page()
    page.on("request", lambda request: None if request.url.startswith(base) else record["off_host_requests"].append(request.url))
    try:
        for _ in range(rounds):
            if time.monotonic() > deadline:
                raise TimeoutError("overall time limit reached")
            await timed(record, "explorer_open", _goto(page, f"{base}/explorer", "Evidence Explorer"))
            await timed(record, "filter_disease", choose_disease(page, label, code))
            await timed(record, "maps_open", open_from_sidebar(page, "maps", "Evidence Maps"))
            await timed(record, "explorer_return", open_from_sidebar(page, "explorer", "Evidence Explorer"))
            data = await timed(record, "download_csv", download_csv(page))
            record["current_step"] = "check_csv"
            rows = len(pd.read_csv(io.BytesIO(data), encoding="utf-8-sig"))
            if not data.startswith(b"\xef\xbb\xbf") or rows != n_rows:
                raise AssertionError(f"CSV for {code}: {rows} rows, expected {n_rows} (BOM {data[:3]!r})")
            record["rounds_done"] += 1
    except Exception as error:  # noqa: BLE001 - a failed session is a result, not a crash of the test
        record["error"] = f"{record.get('current_step')}: {type(error).__name__}: {str(error).splitlines()[0][:300]}"
    finally:
        await context.close()
    return record


async def _goto(page, url: str, title: str) -> None:
    await page.goto(url, timeout=STEP_TIMEOUT_MS)
    await wait_rendered(page, title)


# --------------------------------------------------------------------------- the test


async def sample_memory(pid: int, samples: list, stop: asyncio.Event) -> None:
    """Every 0.5 s: the server's resident set (MB) and CPU seconds, while the sessions run."""
    while not stop.is_set():
        try:
            samples.append({"t": time.monotonic(), **proc_status_mb(pid), "cpu_s": cpu_seconds(pid)})
        except OSError:
            return
        await asyncio.sleep(0.5)


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, in seconds (clock ticks of 1/100 s)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return round((int(fields[11]) + int(fields[12])) / 100, 2)


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores, from /proc/stat), to tell who the bottleneck was."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / 100


async def run_load(args, base: str, pid: int, expected: dict) -> dict:
    from playwright.async_api import async_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *GUARD_ARGS])
        warm = await reader(browser, base, 0, 1, time.monotonic() + 300, expected, 0)  # first deep link + caches: excluded
        before = {**proc_status_mb(pid), "cpu_s": cpu_seconds(pid), "machine_busy_s": machine_busy_seconds()}
        log(f"load: warm-up {'ok' if not warm['error'] else warm['error']}; server before load {before}")
        samples, stop = [], asyncio.Event()
        sampler = asyncio.create_task(sample_memory(pid, samples, stop))
        deadline = time.monotonic() + args.time_limit
        start = time.perf_counter()
        sessions = [reader(browser, base, i, args.rounds, deadline, expected, args.ramp * i / max(args.sessions, 1))
                    for i in range(args.sessions)]
        try:
            records = await asyncio.wait_for(asyncio.gather(*sessions), timeout=args.time_limit + 120)
        except TimeoutError:
            records = [{"session": i, "steps": [], "rounds_done": 0, "error": "hard time limit", "off_host_requests": []}
                       for i in range(args.sessions)]
        wall = common.ms_since(start) / 1000
        stop.set()
        await sampler
        after = {**proc_status_mb(pid), "cpu_s": cpu_seconds(pid), "machine_busy_s": machine_busy_seconds()}
        await browser.close()
    return summarise(args, records, wall, before, after, samples, warm)


def summarise(args, records: list[dict], wall: float, before: dict, after: dict, samples: list, warm: dict) -> dict:
    steps: dict[str, list[float]] = {}
    for record in records:
        for step in record["steps"]:
            steps.setdefault(step["step"], []).append(step["ms"])
    renders = [ms for name in ("explorer_open", "maps_open", "explorer_return") for ms in steps.get(name, [])]
    ok = [r for r in records if r["error"] is None and r["rounds_done"] == args.rounds]
    out = {
        "sessions": args.sessions, "rounds": args.rounds, "successes": len(ok), "failures": len(records) - len(ok),
        "errors": sorted({r["error"] for r in records if r["error"]}),
        "failures_by_step": dict(Counter(r["current_step"] for r in records if r["error"])),
        "wall_s": round(wall, 1),
        "page_render_ms": {"n": len(renders), "p50": percentile(renders, 50), "p95": percentile(renders, 95), "max": max(renders, default=None)},
        "steps_ms": {name: {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95), "max": max(v)} for name, v in steps.items()},
        "server": {"before_load": before, "after_load": after, "peak_rss_mb": after.get("VmHWM"),
                   "max_sampled_rss_mb": max((s["VmRSS"] for s in samples), default=None),
                   "cpu_s_during_load": round(after["cpu_s"] - before["cpu_s"], 1)},
        "machine_cpu_s_during_load": {
            "available": round(wall * (os.cpu_count() or 1), 1),
            "busy": round(after["machine_busy_s"] - before["machine_busy_s"], 1),
            "server": round(after["cpu_s"] - before["cpu_s"], 1),
            "everything_else": round(after["machine_busy_s"] - before["machine_busy_s"] - (after["cpu_s"] - before["cpu_s"]), 1),
        },
        "off_host_requests": sorted({u for r in records for u in r["off_host_requests"]})[:20],
        "warmup_error": warm["error"],
        "per_session": [{k: r.get(k) for k in ("session", "disease", "rounds_done", "error")} for r in records],
    }
    print_table(f"load: {args.sessions} sessions × {args.rounds} rounds, one server on {LOOPBACK} ({out['wall_s']} s)",
                ["measure", "n", "p50 ms", "p95 ms", "max ms"],
                [["page render (all)", len(renders), out["page_render_ms"]["p50"], out["page_render_ms"]["p95"], out["page_render_ms"]["max"]],
                 *[[name, v["n"], v["p50"], v["p95"], v["max"]] for name, v in out["steps_ms"].items()]])
    cpu = out["machine_cpu_s_during_load"]
    print_table("load: outcome", ["successes", "failures", "server VmHWM MB", "max sampled VmRSS MB", "CPU s: available", "busy", "server", "everything else"],
                [[out["successes"], out["failures"], out["server"]["peak_rss_mb"], out["server"]["max_sampled_rss_mb"],
                  cpu["available"], cpu["busy"], cpu["server"], cpu["everything_else"]]])
    for error in out["errors"][:5]:
        log(f"load: error: {error}")
    return out


def main() -> None:
    args = parse_args()
    project = (args.project or common.PROJECT_ROOT).resolve()
    sys.path.insert(0, str(project))  # evidence/ and tests/ of the project under test
    import tests.browser as browser_helpers
    from tests.browser import running_app

    results_dir = common.PROJECT_ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    browser_helpers.ARTIFACTS = results_dir / "artifacts"  # running_app writes its server log beside ARTIFACTS: keep it in bench/results
    expected = expected_rows()
    result = {"machine": machine_info(), "command": " ".join(sys.argv), "code": common.code_state(project)}
    with running_app(project / "app.py") as base:
        assert_loopback(base)
        pid = child_pid(port_of(base))
        log(f"load: server {base} pid {pid}; {args.sessions} sessions × {args.rounds} rounds")
        result.update(asyncio.run(run_load(args, base, pid, expected)))
    result["code_at_end"] = common.code_state(project)
    result["target_server_rss_mb"] = {"limit": 400, "value": result["server"]["peak_rss_mb"],
                                      "met": result["server"]["peak_rss_mb"] is not None and result["server"]["peak_rss_mb"] <= 400}
    json.dump(result, sys.stdout, indent=1, default=str)
    print()


if __name__ == "__main__":
    main()
