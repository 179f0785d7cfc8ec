"""RheumCell Atlas benchmarks: JSON on stdout, a short human table per section on stderr.

    .venv/bin/python bench/run.py --repeats 5 > bench/results/run.json
    .venv/bin/python bench/run.py --quick            # smaller sizes, 2 repeats, no profiles
    .venv/bin/python bench/run.py --only pages --project /tmp/copy   # A/B: measure a changed copy of the project

Sections (each reports medians over repeats; ratios are against baselines measured in this same run):
  core     the real data: cold parse+validate, warm load through a fingerprint memo (and through st.cache_data,
           which is what a page rerun pays), one disease filter, each matrix, one pooled comparison
  scale    synthetic tables (bench/synthetic.py) of 1e3…1e6 rows through filter + every matrix + pooling,
           with the growth exponent (slope of log time against log rows, 1e4…1e6) and a profile at the top size
  pages    every page's script time under streamlit.testing AppTest (a rerun, first run excluded), against a bare
           page and a bare Plotly page run the same way in the same process
  browser  `streamlit run` + headless Chromium: navigation → fully rendered per page against a bare Plotly page
           served the same way, then the server's peak RSS (VmHWM)
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import json
import logging
import math
import os
import pstats
import statistics
import sys
import tempfile
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

import common
from common import (
    PROJECT_ROOT,
    assert_loopback,
    child_pid,
    excess,
    log,
    machine_info,
    port_of,
    print_table,
    proc_status_mb,
    ratio,
    sample_ms,
    stats,
    time_ms,
)

MEASURE = "doris_remission"  # the remission measure of the brief: one measure, never mixed
PAGES = {  # name -> (script for AppTest.switch_page, URL path)
    "home": ("pages/home.py", ""),
    "explorer": ("pages/explorer.py", "explorer"),
    "maps": ("pages/maps.py", "maps"),
    "compare": ("pages/compare.py", "compare"),
    "pipeline": ("pages/pipeline.py", "pipeline"),
    "upload": ("pages/upload.py", "upload"),
    "about": ("pages/about.py", "about"),
}
BARE_PAGE = 'import streamlit as st\n\nst.write("A bare page")\n'
BARE_PLOTLY_PAGE = textwrap.dedent("""\
    import plotly.graph_objects as go
    import streamlit as st

    st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3, 4], y=[2, 1, 3, 2], mode="markers")), key="bare_chart")
""")
TARGETS = {"page_ratio": 2.0, "page_excess_ms": 100.0, "browser_ratio": 1.5, "chain_1e6_ms": 2000.0,
           "growth_exponent": 1.1, "server_rss_mb": 400.0}
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"


def main() -> None:
    args = parse_args()
    if args.project:
        use_project(args.project)
    sections = args.only.split(",") if args.only else ["core", "scale", "pages", "browser"]
    results = {"machine": machine_info(), "command": " ".join(sys.argv), "repeats": args.repeats, "quick": args.quick,
               "code": common.code_state(PROJECT_ROOT)}
    log(f"machine: {results['machine']}")
    if "core" in sections:
        results["core"] = bench_core(args.repeats)
    if "scale" in sections:
        sizes = [1_000, 10_000, 100_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000]
        results["scale"] = bench_scale(args.repeats, sizes, profile=not args.quick)
    if "pages" in sections:
        results["pages"] = bench_pages(args.repeats, profile=not args.quick)
    if "browser" in sections:
        results["browser"] = bench_browser(args.repeats)
    results["code_at_end"] = common.code_state(PROJECT_ROOT)
    if results["code_at_end"]["sha256"] != results["code"]["sha256"]:
        log("WARNING: the code under test changed during this run; its figures mix two versions")
    results["targets"] = check_targets(results)
    print_targets(results["targets"])
    json.dump(results, sys.stdout, indent=1, default=str)
    print()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per measurement (default 5; 2 with --quick)")
    parser.add_argument("--quick", action="store_true", help="sizes up to 1e5, 2 repeats, no profiles")
    parser.add_argument("--only", default="", help="comma-separated sections: core,scale,pages,browser")
    parser.add_argument("--project", type=Path, default=None,
                        help="measure another checkout of the project (e.g. a copy with one suggested change: an A/B)")
    args = parser.parse_args()
    args.repeats = args.repeats or (2 if args.quick else 5)
    return args


def use_project(path: Path) -> None:
    """Import evidence/, components/ and tests/ from `path` and run its app.py (before anything imported them)."""
    global PROJECT_ROOT
    PROJECT_ROOT = path.resolve()
    sys.path.insert(0, str(PROJECT_ROOT))
    log(f"project under test: {PROJECT_ROOT}")


# --------------------------------------------------------------------------- a. core on the real data


def bench_core(repeats: int) -> dict:
    """Median ms of each domain step on the real data/ folder (no Streamlit except the st.cache_data probe)."""
    from evidence import data_fingerprint, load_atlas
    from evidence.compare import (
        comparable_measures,
        compare_therapy,
        comparison_base,
        therapy_options,
    )
    from evidence.filters import Filters, filter_evidence
    from evidence.matrices import (
        mechanism_disease_matrix,
        remission_matrix,
        target_disease_matrix,
        therapy_disease_map,
    )
    from evidence.vocabulary import load_vocabulary

    log("core: real data")

    def cold():
        load_vocabulary.cache_clear()  # the vocabulary is lru-cached; a cold load reads it again
        return load_atlas()

    first_ms, atlas = time_ms(cold)  # the very first call also pays lazy imports and pydantic schema building
    memo: dict = {}

    def warm():
        key = data_fingerprint()
        if key not in memo:
            memo[key] = load_atlas()
        return memo[key]

    warm()  # fills the memo: what follows is the second call
    evidence = atlas.evidence
    view = filter_evidence(evidence, Filters())  # the maps page's default view: newest report of each cohort
    base = comparison_base(evidence, "sle")
    groups = therapy_options(base)[:4]
    measure = (comparable_measures(base, groups) or [None])[0]
    steps = {
        "load_cold": cold,
        "load_warm_memo": warm,
        "load_warm_app_cache": _st_cache_probe(),
        "filter_disease_sle": lambda: filter_evidence(evidence, Filters(diseases=("sle",))),
        "therapy_disease_map": lambda: therapy_disease_map(view),
        "target_disease_matrix": lambda: target_disease_matrix(view),
        "mechanism_disease_matrix": lambda: mechanism_disease_matrix(view),
        f"remission_matrix_{MEASURE}": lambda: remission_matrix(view, MEASURE),
        "compare_sle_top4": lambda: [compare_therapy(base, atlas.safety, g, measure) for g in groups],
    }
    timings = {name: stats(sample_ms(fn, repeats, warmup=1)) for name, fn in steps.items() if fn is not None}
    out = {"rows": len(evidence), "studies": int(evidence["study_id"].nunique()), "first_cold_load_ms": round(first_ms, 1),
           "compare": {"disease": "sle", "groups": groups, "measure": measure}, "timings": timings}
    print_table("core (real data, median ms)", ["step", "median ms", "min ms"],
                [[name, t["median_ms"], t["min_ms"]] for name, t in timings.items()])
    return out


def _st_cache_probe():
    """The app's own warm path: the shared atlas cache of components.data, keyed on a digest of the data files."""
    import streamlit.logger

    streamlit.logger.set_log_level("error")
    from components.data import _load_atlas, data_state

    def warm_load():
        return _load_atlas(data_state())

    warm_load()
    return warm_load


# --------------------------------------------------------------------------- b. scale on synthetic rows


def scale_steps(frame, measure: str = MEASURE) -> dict:
    """One pass of the chain on a synthetic frame: each step's ms, plus `chain_ms` (filter + all matrices) and `pool_ms`."""
    from evidence.filters import Filters, filter_evidence
    from evidence.matrices import (
        latest_outcome_per_cohort,
        mechanism_disease_matrix,
        remission_matrix,
        target_disease_matrix,
        therapy_disease_map,
        therapy_group,
    )
    from evidence.pooling import pool_proportions

    times = {}
    times["filter"], view = time_ms(filter_evidence, frame, Filters())  # default tier: every row tested, ~96% kept
    # the figures need counts only; the per-cell list of study ids (for the matrix CSV) is timed on its own below
    times["therapy_disease_map"], _ = time_ms(therapy_disease_map, view, with_study_ids=False)
    times["target_disease_matrix"], _ = time_ms(target_disease_matrix, view, with_study_ids=False)
    times["mechanism_disease_matrix"], _ = time_ms(mechanism_disease_matrix, view, with_study_ids=False)
    times["remission_matrix"], _ = time_ms(remission_matrix, view, measure, with_study_ids=False)
    times["chain_ms"] = sum(times.values())
    times["therapy_disease_map_with_id_lists"], _ = time_ms(therapy_disease_map, view, with_study_ids=True)

    def pool():
        rows = latest_outcome_per_cohort(view, measure)
        return {group: pool_proportions(part["responders"].astype(int), part["evaluated"].astype(int), "PLO", "DL")
                for group, part in rows.groupby(therapy_group(rows)) if len(part)}

    times["pool_ms"], _ = time_ms(pool)
    times["filter_disease"], _ = time_ms(filter_evidence, frame, Filters(diseases=("sle",)))
    return times


def bench_scale(repeats: int, sizes: list[int], profile: bool) -> dict:
    """Medians per size and step, growth exponents, and (at the top size) where the time goes."""
    from synthetic import synthetic_evidence

    per_size = {}
    for n in sizes:
        log(f"scale: building {n:,} synthetic rows")
        build_ms, frame = time_ms(synthetic_evidence, n)
        if n < max(sizes):
            scale_steps(frame)  # warm-up pass, not timed (at the top size one cold pass cannot move a median of 5)
        passes = []
        for index in range(repeats):
            passes.append(scale_steps(frame))
            log(f"scale: {n:,} rows pass {index + 1}/{repeats}: chain {passes[-1]['chain_ms']:.0f} ms")
        per_size[n] = {
            "build_ms": round(build_ms, 1),
            "frame_mb": round(frame.memory_usage(deep=True).sum() / 1e6, 1),
            "studies": int(frame["study_id"].nunique()),
            "steps": {step: stats([p[step] for p in passes]) for step in passes[0]},
        }
        if profile and n == max(sizes):
            per_size[n]["profile"] = profile_scale(frame)
        del frame
        gc.collect()
    fit_sizes = [n for n in sizes if n >= 10_000]
    steps = list(per_size[sizes[0]]["steps"])
    exponents = {step: growth_exponent(fit_sizes, [per_size[n]["steps"][step]["median_ms"] for n in fit_sizes]) for step in steps}
    local = {step: {f"{a:.0e}-{b:.0e}": growth_exponent([a, b], [per_size[a]["steps"][step]["median_ms"], per_size[b]["steps"][step]["median_ms"]])
                    for a, b in itertools.pairwise(sizes)} for step in steps}
    out = {"sizes": sizes, "per_size": per_size, "growth_exponent": exponents,
           "growth_fit": f"least-squares slope of log10(median ms) on log10(rows) over {fit_sizes}",
           "local_exponent": local,
           "bench_process_rss": proc_status_mb(os.getpid())}
    top_pair = f"{sizes[-2]:.0e}-{sizes[-1]:.0e}"
    headers = ["step", *[f"{n:,.0f} rows" for n in sizes], "exponent", f"local {top_pair}"]
    rows = [[step, *[per_size[n]["steps"][step]["median_ms"] for n in sizes], exponents[step], local[step][top_pair]] for step in steps]
    rows.append(["(build synthetic)", *[per_size[n]["build_ms"] for n in sizes], None, None])
    print_table("scale (synthetic rows, median ms)", headers, rows)
    return out


def growth_exponent(sizes: list[int], medians: list[float]) -> float | None:
    """Slope of log time on log rows (1.0 = linear)."""
    points = [(math.log10(n), math.log10(t)) for n, t in zip(sizes, medians) if t and t > 0]
    if len(points) < 2:
        return None
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
    return round(slope, 3)


def profile_scale(frame) -> dict:
    """cProfile of each step at the top size: the functions that take the time (for the reasons in RESULTS.md)."""
    from evidence.filters import Filters, filter_evidence
    from evidence.matrices import (
        mechanism_disease_matrix,
        remission_matrix,
        target_disease_matrix,
        therapy_disease_map,
    )

    log("scale: profiling the top size")
    view = filter_evidence(frame, Filters())
    calls = {
        "filter": lambda: filter_evidence(frame, Filters()),
        "therapy_disease_map": lambda: therapy_disease_map(view),
        "target_disease_matrix": lambda: target_disease_matrix(view),
        "mechanism_disease_matrix": lambda: mechanism_disease_matrix(view),
        "remission_matrix": lambda: remission_matrix(view, MEASURE),
    }
    return {name: profile_call(fn) for name, fn in calls.items()}


def profile_call(fn, top: int = 10) -> dict:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    return profile_summary(profiler, top)


def profile_summary(profiler: cProfile.Profile, top: int = 10) -> dict:
    """Top functions by own time, and the project's functions (evidence/, components/, pages/, app.py) by cumulative time."""
    table = pstats.Stats(profiler).stats
    records = []
    for (file, line, name), (_, ncalls, tottime, cumtime, _) in table.items():
        where = _short_path(file)
        records.append({"function": f"{where}:{line}({name})", "calls": ncalls, "own_ms": round(tottime * 1000, 1),
                        "cum_ms": round(cumtime * 1000, 1), "project": _is_project(file)})
    own = sorted(records, key=lambda r: -r["own_ms"])[:top]
    project = sorted((r for r in records if r["project"]), key=lambda r: -r["cum_ms"])[:top]
    total = round(sum(r["own_ms"] for r in records), 1)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "project"} for r in rows]
    return {"total_ms": total, "top_own": strip(own), "project_cumulative": strip(project)}


def _short_path(file: str) -> str:
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def _is_project(file: str) -> bool:
    return file.startswith(str(PROJECT_ROOT)) and "/.venv/" not in file and "/bench/" not in file


# --------------------------------------------------------------------------- c. page script time (AppTest)


@contextmanager
def navigation_pages_manager():
    """The PagesManager workaround of tests/conftest.py: our pages live in `pages/`, so AppTest would otherwise
    rerun a page file alone (legacy pages-directory mode) instead of app.py + the page, as `streamlit run` does."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test as app_test_module

    class NavigationPagesManager(PagesManager):
        def __init__(self, *args, **kwargs):
            PagesManager.uses_pages_directory = False
            super().__init__(*args, **kwargs)

    original = app_test_module.PagesManager
    app_test_module.PagesManager = NavigationPagesManager
    try:
        yield
    finally:
        app_test_module.PagesManager = original


def quiet_streamlit() -> None:
    """AppTest outside a server logs 'missing ScriptRunContext' warnings on the main thread: not our concern here."""
    import streamlit.config
    import streamlit.logger

    streamlit.config.set_option("logger.level", "error")
    streamlit.logger.set_log_level("error")
    logging.getLogger("streamlit").setLevel(logging.ERROR)


def write_baselines(folder: Path) -> dict[str, Path]:
    """The two baseline scripts, written to a temp folder (never into the project)."""
    paths = {"bare": folder / "bare.py", "bare_plotly": folder / "bare_plotly.py"}
    paths["bare"].write_text(BARE_PAGE, encoding="utf-8")
    paths["bare_plotly"].write_text(BARE_PLOTLY_PAGE, encoding="utf-8")
    return paths


def open_apptest(name: str, baselines: dict[str, Path]):
    """An AppTest on one page (or a baseline), after its first run (the warm-up, excluded from the figures)."""
    from streamlit.testing.v1 import AppTest

    if name in baselines:
        app = AppTest.from_file(str(baselines[name]), default_timeout=120)
        first_ms, _ = time_ms(app.run)
        return app, first_ms
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    app.run()  # the default page, as a visitor's first request
    app.switch_page(PAGES[name][0])
    first_ms, _ = time_ms(app.run)
    return app, first_ms


def bench_pages(repeats: int, profile: bool) -> dict:
    """Median ms of re-running each page (app.py frame + page) under AppTest, interleaved with the baselines."""
    quiet_streamlit()
    folder = Path(tempfile.mkdtemp(prefix="rheumcell-bench-"))
    baselines = write_baselines(folder)
    names = [*PAGES, *baselines]
    log("pages: AppTest warm-up runs")
    with navigation_pages_manager():
        apps, first = {}, {}
        for name in names:
            apps[name], first[name] = open_apptest(name, baselines)
        samples: dict[str, list[float]] = {name: [] for name in names}
        errors: dict[str, list[str]] = {name: [] for name in names}
        for index in range(repeats):  # round-robin, so drift on a noisy machine hits every page alike
            for name in names:
                elapsed, app = time_ms(apps[name].run)
                samples[name].append(elapsed)
                errors[name] += [str(e.value)[:200] for e in app.exception]
            log(f"pages: round {index + 1}/{repeats} done")
        profiles = {name: profile_apptest(apps[name]) for name in PAGES} if profile else {}
    base = statistics.median(samples["bare_plotly"])
    out = {"baseline": "bare_plotly", "first_run_ms": {k: round(v, 1) for k, v in first.items()}, "pages": {}}
    for name in names:
        t = stats(samples[name])
        out["pages"][name] = {**t, "ratio": ratio(t["median_ms"], base), "excess_ms": excess(t["median_ms"], base),
                              "errors": sorted(set(errors[name]))}
        if name in profiles:
            out["pages"][name]["profile"] = profiles[name]
    print_table("page script time (AppTest rerun, median ms; baseline = bare Plotly page)",
                ["page", "median ms", "ratio", "excess ms", "errors"],
                [[n, p["median_ms"], p["ratio"], p["excess_ms"], len(p["errors"])] for n, p in out["pages"].items()])
    return out


def profile_apptest(app) -> dict:
    """cProfile of one more rerun of a page. AppTest runs the script in its own thread, so the profiler is
    switched on inside that thread (LocalScriptRunner._run_script_thread), for this one run only."""
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    profiler = cProfile.Profile()
    original = LocalScriptRunner._run_script_thread

    def profiled(self):
        profiler.enable()
        try:
            original(self)
        finally:
            profiler.disable()

    LocalScriptRunner._run_script_thread = profiled
    try:
        app.run()
    finally:
        LocalScriptRunner._run_script_thread = original
    return profile_summary(profiler, top=12)


# --------------------------------------------------------------------------- d. browser


def bench_browser(repeats: int) -> dict:
    """Navigation → fully rendered in headless Chromium for each page and the bare Plotly page; server peak RSS."""
    from playwright.sync_api import sync_playwright

    import tests.browser as browser_helpers
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, running_app

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    browser_helpers.ARTIFACTS = RESULTS_DIR / "artifacts"  # running_app writes its server log beside ARTIFACTS: keep it in bench/results
    folder = Path(tempfile.mkdtemp(prefix="rheumcell-bench-"))
    bare_plotly = write_baselines(folder)["bare_plotly"]
    log("browser: starting the app and the bare Plotly page")
    with running_app(PROJECT_ROOT / "app.py") as app_url, running_app(bare_plotly) as bare_url, sync_playwright() as playwright:
        for url in (app_url, bare_url):
            assert_loopback(url)
        app_pid, bare_pid = child_pid(port_of(app_url)), child_pid(port_of(bare_url))
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        targets = {name: (f"{app_url}/{path}", '[data-testid="stMain"] h1') for name, (_, path) in PAGES.items()}
        targets["bare_plotly"] = (f"{bare_url}/", '[data-testid="stPlotlyChart"]')
        log("browser: warm-up visit of every page (excluded)")
        warmup = {name: visit(chromium, url, ready) for name, (url, ready) in targets.items()}
        rss_after_one_visit = {"app": proc_status_mb(app_pid), "bare_plotly": proc_status_mb(bare_pid)}
        samples: dict[str, list[dict]] = {name: [] for name in targets}
        for index in range(repeats):  # round-robin, a new browser context and page every time
            for name, (url, ready) in targets.items():
                samples[name].append(visit(chromium, url, ready))
            log(f"browser: round {index + 1}/{repeats} done")
        rss_end = {"app": proc_status_mb(app_pid), "bare_plotly": proc_status_mb(bare_pid)}
        chromium.close()
    return summarise_browser(samples, warmup, rss_after_one_visit, rss_end)


def wait_charts_drawn(page, timeout: float = 60_000) -> None:
    """Every Plotly chart on the page has drawn its SVG (charts in hidden tabs included)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')].every(c => c.querySelector('.main-svg'))",
        timeout=timeout,
    )


def visit(chromium, url: str, ready: str) -> dict:
    """Open `url` in a fresh context; ms to the first content (`ready`) and to fully rendered
    (tests.browser.wait_rendered: script finished, no spinner/skeleton; plus every chart drawn)."""
    from tests.browser import wait_rendered

    context = chromium.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(f'{ready}, [data-testid="stException"]', timeout=60_000)
        first = common.ms_since(start)
        wait_rendered(page)
        wait_charts_drawn(page)
        rendered = common.ms_since(start)
        exceptions = page.locator('[data-testid="stException"]').count()
        charts = page.locator('[data-testid="stPlotlyChart"]').count()
    finally:
        context.close()
    return {"first_content_ms": round(first, 1), "rendered_ms": round(rendered, 1), "exceptions": exceptions, "charts": charts}


def summarise_browser(samples: dict, warmup: dict, rss_one: dict, rss_end: dict) -> dict:
    base = statistics.median(s["rendered_ms"] for s in samples["bare_plotly"])
    pages = {}
    for name, visits in samples.items():
        rendered = stats([v["rendered_ms"] for v in visits])
        first = stats([v["first_content_ms"] for v in visits])
        pages[name] = {"rendered": rendered, "first_content": first, "ratio": ratio(rendered["median_ms"], base),
                       "excess_ms": excess(rendered["median_ms"], base), "charts": visits[0]["charts"],
                       "exceptions": sum(v["exceptions"] for v in visits), "warmup_rendered_ms": warmup[name]["rendered_ms"]}
    out = {"baseline": "bare_plotly", "pages": pages,
           "server_memory_mb": {"after_one_visit_of_every_page": rss_one, "end": rss_end},
           "note": "time from page.goto to rendered; includes the loopback stall of a server without TCP_NODELAY on every page alike"}
    print_table("browser: navigation → fully rendered (median ms; baseline = bare Plotly page)",
                ["page", "first content", "rendered", "ratio", "excess ms", "charts"],
                [[n, p["first_content"]["median_ms"], p["rendered"]["median_ms"], p["ratio"], p["excess_ms"], p["charts"]]
                 for n, p in pages.items()])
    print_table("server memory (MB)", ["server", "VmHWM after 1 visit/page", "VmHWM at end", "VmRSS at end"],
                [[k, rss_one[k].get("VmHWM"), rss_end[k].get("VmHWM"), rss_end[k].get("VmRSS")] for k in rss_end])
    return out


# --------------------------------------------------------------------------- targets


def check_targets(results: dict) -> list[dict]:
    """Each target of the brief against what this run measured: value, limit, met (None = not measured)."""
    checks = []

    def add(target, value, limit, note=""):
        checks.append({"target": target, "value": value, "limit": limit, "met": None if value is None else value <= limit, "note": note})

    for name, page in results.get("pages", {}).get("pages", {}).items():
        if name in PAGES:
            add(f"page script {name}: ratio to bare Plotly", page["ratio"], TARGETS["page_ratio"], f"excess {page['excess_ms']} ms")
            add(f"page script {name}: excess over bare Plotly (ms)", page["excess_ms"], TARGETS["page_excess_ms"])
    browser = results.get("browser", {})
    for name, page in browser.get("pages", {}).items():
        if name in PAGES:
            add(f"browser {name}: ratio to bare Plotly", page["ratio"], TARGETS["browser_ratio"], f"excess {page['excess_ms']} ms")
    scale = results.get("scale")
    if scale:
        top = max(scale["sizes"])
        chain = scale["per_size"][top]["steps"]["chain_ms"]["median_ms"]
        add(f"filter + all matrices on {top:,} synthetic rows (ms)", chain, TARGETS["chain_1e6_ms"])
        add("growth exponent of filter + all matrices", scale["growth_exponent"]["chain_ms"], TARGETS["growth_exponent"])
    if browser:
        add("server peak RSS VmHWM (MB), bench/run.py browser section", browser["server_memory_mb"]["end"]["app"].get("VmHWM"), TARGETS["server_rss_mb"])
    return checks


def print_targets(checks: list[dict]) -> None:
    verdict = {True: "met", False: "MISSED", None: "—"}
    print_table("targets", ["target", "value", "limit", "verdict", "note"],
                [[c["target"], c["value"], c["limit"], verdict[c["met"]], c["note"]] for c in checks])


if __name__ == "__main__":
    main()
