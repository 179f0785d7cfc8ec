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
           Streamlit app, a bare page and a bare Plotly page run the same way in the same process; then the Compare
           page's first render (its derived caches cleared) against the bare app's first run
  browser  `streamlit run` + headless Chromium: navigation → fully rendered per page against a bare Plotly page and
           the bare Streamlit app, each served the same way, then the server's peak RSS (VmHWM)

Baselines (written to a temp folder, never into the project):
  bare app     BARE_APP below: an app.py with st.set_page_config, one sidebar selectbox and st.navigation over two
               trivial pages (a title and a line of text each), run exactly as ours: AppTest from app.py for the
               rerun figure, `streamlit run` for the browser figure
  bare page    one st.write
  bare Plotly  one st.plotly_chart of a 4-point scatter
  home's elements  HOME_ELEMENTS_APP below: the sidebar widgets and home-page elements of a home rerun, constant
               content, no logic (pages section only): the floor Streamlit sets for a page that draws them
AppTest compiles every script again on each run (a new ScriptCache per run); `streamlit run` compiles it once per
server. The pages section therefore shares one ScriptCache across runs, for pages and baselines alike, and also
reports home against the bare app without it (`apptest_default_compile`).
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
CANDIDATE_PAGES = {  # name -> (script for AppTest.switch_page, URL path); pages whose file is missing are skipped
    "home": ("pages/home.py", ""),
    "explorer": ("pages/explorer.py", "explorer"),
    "maps": ("pages/maps.py", "maps"),
    "compare": ("pages/compare.py", "compare"),
    "trials": ("pages/trials.py", "trials"),
    "pipeline": ("pages/pipeline.py", "pipeline"),
    "upload": ("pages/upload.py", "upload"),
    "about": ("pages/about.py", "about"),
}
PAGES: dict[str, tuple[str, str]] = {}  # the candidates present in the project under test (set in main)
BARE_APP = {  # file -> text: the "bare Streamlit app", routed and framed like ours but with nothing in it
    "app.py": textwrap.dedent("""\
        import streamlit as st

        st.set_page_config(page_title="Bare app", layout="wide")
        st.sidebar.selectbox("Choice", ["a", "b", "c"], key="choice")
        navigation = st.navigation([st.Page("views/first.py", title="First", default=True),
                                    st.Page("views/second.py", title="Second", url_path="second")])
        navigation.run()
    """),
    "views/first.py": 'import streamlit as st\n\nst.title("First")\nst.write("A bare page")\n',
    "views/second.py": 'import streamlit as st\n\nst.title("Second")\nst.write("Another bare page")\n',
}
# The "home's elements" app: the widgets and elements a home-page rerun draws (sidebar and page, same kinds and counts,
# the same sizes of table), with constant content and no logic. Home against it is the cost of our code; it against
# the bare app is what Streamlit itself charges for that many elements under AppTest.
HOME_ELEMENTS_APP = {
    "app.py": textwrap.dedent("""\
        import streamlit as st

        st.set_page_config(page_title="Home's elements", layout="wide")
        st.sidebar.radio("Language", ["en", "zh"], key="lang", horizontal=True)
        with st.sidebar:
            st.subheader("Filters")
            st.toggle("Only numbers read in the article", key="article_only", help="help")
            st.toggle("Exclude high risk of bias", key="high_risk", help="help")
            st.radio("Evidence tier", ["newest", "best", "trials", "no_case_reports", "all"], key="tier")
            for name in ("disease", "subtype", "therapy_class", "target"):
                st.multiselect(name, [f"{name} {i} (3)" for i in range(12)], key=name, placeholder="-")
            st.slider("Years", min_value=2000, max_value=2026, value=(2000, 2026), key="years")
            st.text_input("Search", key="text", max_chars=200)
            st.toggle("More filters", key="more")
            st.button("Reset", key="reset")
        st.sidebar.caption("Data version 1 - checked 2026-01-01")
        st.sidebar.caption("Not medical advice")
        pages = [st.Page(f"views/page{i}.py", title=f"Page {i}", icon="📄", default=i == 0, **({"url_path": f"page{i}"} if i else {}))
                 for i in range(7)]
        st.navigation(pages).run()
    """),
    "views/page0.py": textwrap.dedent("""\
        import pandas as pd
        import streamlit as st

        st.title("Title")
        st.markdown("A **tagline**")
        for column, value in zip(st.columns(4), (129, 2400, 12, 9)):
            column.metric("Count", value)
        st.caption("Data version 1 - checked 2026-01-01 - pipeline entries: 30")
        table = pd.DataFrame({"name": [f"row {i}" for i in range(10)], "studies": range(10), "patients": range(0, 100, 10)})
        for column in st.columns(2):
            column.dataframe(table, hide_index=True, width="stretch", height=38 + 35 * len(table), column_config={
                "name": st.column_config.TextColumn("Name"),
                "studies": st.column_config.NumberColumn("Studies", format="%d"),
                "patients": st.column_config.NumberColumn("Patients", format="%d")})
        st.subheader("Where to start")
        for i in range(1, 6):
            st.page_link(f"views/page{i}.py", label=f"**Page {i}** - what it shows")
        st.subheader("Cite")
        st.code("A citation line", language=None)
        st.caption("Not medical advice")
    """),
    **{f"views/page{i}.py": f'import streamlit as st\n\nst.title("Page {i}")\n' for i in range(1, 7)},
}
BARE_PAGE = 'import streamlit as st\n\nst.write("A bare page")\n'
BARE_PLOTLY_PAGE = textwrap.dedent("""\
    import plotly.graph_objects as go
    import streamlit as st

    st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3, 4], y=[2, 1, 3, 2], mode="markers")), key="bare_chart")
""")
TARGETS = {"home_rerun_ratio": 2.5, "home_rerun_excess_ms": 80.0,  # against the bare app (AppTest rerun)
           "browser_ratio": 1.3,  # every page against the bare Plotly page (Chromium, navigation -> rendered)
           "chain_1e6_ms": 1500.0,  # filter + every matrix on 1e6 synthetic rows
           "page_excess_ms": 100.0, "growth_exponent": 1.1, "server_rss_mb": 400.0}  # earlier briefs, still checked
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"


def main() -> None:
    args = parse_args()
    if args.project:
        use_project(args.project)
    PAGES.update(present_pages(PROJECT_ROOT))
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
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
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


def present_pages(root: Path) -> dict[str, tuple[str, str]]:
    """The candidate pages whose script exists (a page another developer has not written yet is skipped, not failed)."""
    present = {}
    for name, (script, path) in CANDIDATE_PAGES.items():
        if (root / script).is_file():
            present[name] = (script, path)
        else:
            log(f"note: {script} does not exist in {root}: the {name} page is skipped")
    return present


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
        if hasattr(load_vocabulary, "cache_clear"):  # when the vocabulary is lru-cached, a cold load reads it again
            load_vocabulary.cache_clear()
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
        MATRIX_COLUMNS,
        latest_outcome_per_cohort,
        mechanism_disease_matrix,
        remission_matrix,
        target_disease_matrix,
        therapy_disease_map,
        therapy_group,
    )
    from evidence.pooling import pool_proportions

    times = {}
    # the Maps page's path (components.data._matrix): default tier (every row tested, ~96% kept), only the matrix columns
    times["filter"], view = time_ms(filter_evidence, frame, Filters(), columns=MATRIX_COLUMNS)
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
    times["filter_all_columns"], _ = time_ms(filter_evidence, frame, Filters())  # every column: the Explorer's and the exports' view
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
        MATRIX_COLUMNS,
        mechanism_disease_matrix,
        remission_matrix,
        target_disease_matrix,
        therapy_disease_map,
    )

    log("scale: profiling the top size")
    view = filter_evidence(frame, Filters(), columns=MATRIX_COLUMNS)
    calls = {
        "filter": lambda: filter_evidence(frame, Filters(), columns=MATRIX_COLUMNS),
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
    """The baseline scripts, written to a temp folder (never into the project): the entry script of each."""
    paths = {"bare_app": folder / "bare_app" / "app.py", "home_elements": folder / "home_elements" / "app.py",
             "bare": folder / "bare.py", "bare_plotly": folder / "bare_plotly.py"}
    for app, files in (("bare_app", BARE_APP), ("home_elements", HOME_ELEMENTS_APP)):
        for name, text in files.items():
            (folder / app / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / app / name).write_text(text, encoding="utf-8")
    paths["bare"].write_text(BARE_PAGE, encoding="utf-8")
    paths["bare_plotly"].write_text(BARE_PLOTLY_PAGE, encoding="utf-8")
    return paths


@contextmanager
def served_script_cache():
    """Compile each script once, as `streamlit run` does (its runtime keeps one ScriptCache per server). AppTest
    builds a new ScriptCache on every run in two places: LocalScriptRunner's (app.py) and the PagesManager's that
    AppTest.run makes (the page st.navigation runs), so both recompile, magic included, on every run."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    modules = (local_script_runner, app_test)
    originals = [module.ScriptCache for module in modules]
    for module in modules:
        module.ScriptCache = lambda: shared
    try:
        yield
    finally:
        for module, original in zip(modules, originals):
            module.ScriptCache = original


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


def interleaved_reruns(apps: dict, repeats: int, label: str) -> tuple[dict, dict]:
    """`repeats` rounds of one rerun of every app, round-robin (drift on a noisy machine hits all alike): ms and errors."""
    samples = {name: [] for name in apps}
    errors = {name: [] for name in apps}
    for index in range(repeats):
        for name, app in apps.items():
            elapsed, _ = time_ms(app.run)
            samples[name].append(elapsed)
            errors[name] += [str(e.value)[:200] for e in app.exception]
        log(f"{label}: round {index + 1}/{repeats} done")
    return samples, errors


def bench_pages(repeats: int, profile: bool) -> dict:
    """Median ms of re-running each page (app.py frame + page) under AppTest, interleaved with the baselines; the
    Compare page's first render; home against the bare app with AppTest's own per-run compile."""
    quiet_streamlit()
    folder = Path(tempfile.mkdtemp(prefix="rheumcell-bench-"))
    baselines = write_baselines(folder)
    names = [*PAGES, *baselines]
    log("pages: AppTest warm-up runs")
    with navigation_pages_manager():
        with served_script_cache():
            apps, first = {}, {}
            for name in names:
                apps[name], first[name] = open_apptest(name, baselines)
            samples, errors = interleaved_reruns(apps, repeats, "pages")
            profiles = {name: profile_apptest(apps[name]) for name in PAGES} if profile else {}
        log("pages: home and the bare app with AppTest's per-run compile")
        default_compile, _ = interleaved_reruns({name: apps[name] for name in ("home", "bare_app") if name in apps}, repeats, "pages (per-run compile)")
        compare_first = bench_compare_first_render(repeats, baselines) if "compare" in PAGES else None
    out = {"baseline": "bare_plotly", "first_run_ms": {k: round(v, 1) for k, v in first.items()}, "pages": {},
           "script_cache": "shared across runs (as under streamlit run)"}
    for name in names:
        t = stats(samples[name])
        out["pages"][name] = {**t, "errors": sorted(set(errors[name])), **against(t["median_ms"], samples, "bare_plotly"),
                              **against(t["median_ms"], samples, "bare_app", suffix="_bare_app")}
        if name in profiles:
            out["pages"][name]["profile"] = profiles[name]
    if "home" in default_compile:
        home, bare = stats(default_compile["home"]), stats(default_compile["bare_app"])
        out["apptest_default_compile"] = {"home": home, "bare_app": bare, **against(home["median_ms"], default_compile, "bare_app")}
    if "home" in samples:  # what our code adds to the elements the home page draws, and what Streamlit charges for them
        out["home_against_its_elements"] = {**against(out["pages"]["home"]["median_ms"], samples, "home_elements"),
                                            "elements_ratio_bare_app": out["pages"]["home_elements"]["ratio_bare_app"]}
    out["compare_first_render"] = compare_first
    print_table("page script time (AppTest rerun, median ms; ratios against the bare app and the bare Plotly page)",
                ["page", "median ms", "× bare app", "+ms bare app", "× bare Plotly", "+ms bare Plotly", "errors"],
                [[n, p["median_ms"], p["ratio_bare_app"], p["excess_ms_bare_app"], p["ratio"], p["excess_ms"], len(p["errors"])]
                 for n, p in out["pages"].items()])
    if "apptest_default_compile" in out:
        c = out["apptest_default_compile"]
        print_table("home rerun with AppTest's per-run compile (median ms)", ["home", "bare app", "ratio", "excess ms"],
                    [[c["home"]["median_ms"], c["bare_app"]["median_ms"], c["ratio"], c["excess_ms"]]])
    if "home_against_its_elements" in out:
        e = out["home_against_its_elements"]
        print_table("home rerun against an app drawing the same elements with constant content (AppTest)",
                    ["home × its elements", "+ms", "its elements × bare app"], [[e["ratio"], e["excess_ms"], e["elements_ratio_bare_app"]]])
    if compare_first:
        print_table("Compare first render (caches cleared but the parsed atlas; median ms)",
                    ["compare first", "bare app first", "ratio", "excess ms", "compare rerun"],
                    [[compare_first["compare"]["median_ms"], compare_first["bare_app"]["median_ms"], compare_first["ratio"],
                      compare_first["excess_ms"], compare_first["compare_rerun"]["median_ms"]]])
    return out


def against(value: float | None, samples: dict, baseline: str, suffix: str = "") -> dict:
    """ratio and excess (ms) of a median against the median of `baseline`'s samples from the same run."""
    base = statistics.median(samples[baseline]) if samples.get(baseline) else None
    return {f"ratio{suffix}": ratio(value, base), f"excess_ms{suffix}": excess(value, base)}


def bench_compare_first_render(repeats: int, baselines: dict[str, Path]) -> dict:
    """The Compare page's first render: a new session whose derived results are not cached yet (every st.cache_data
    and st.cache_resource entry and the pooling memo cleared, then the parsed atlas restored, as after a data edit
    minus the parse), its rerun right after, interleaved with the bare app's first run in a new session."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from components.data import _load_atlas, data_state
    from evidence import compare

    samples = {"compare": [], "compare_rerun": [], "bare_app": []}
    errors = []
    for index in range(repeats):
        app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300)
        app.run()
        st.cache_data.clear()
        st.cache_resource.clear()
        if hasattr(compare, "pooled_counts"):  # the memo of identical fits (absent in older code measured with --project)
            compare.pooled_counts.cache_clear()
        _load_atlas(data_state())
        app.switch_page(PAGES["compare"][0])
        samples["compare"].append(time_ms(app.run)[0])
        errors += [str(e.value)[:200] for e in app.exception]
        samples["compare_rerun"].append(time_ms(app.run)[0])
        bare = AppTest.from_file(str(baselines["bare_app"]), default_timeout=120)
        samples["bare_app"].append(time_ms(bare.run)[0])
        log(f"pages: Compare first render {index + 1}/{repeats}: {samples['compare'][-1]:.0f} ms")
    out = {name: stats(values) for name, values in samples.items()}
    return {**out, **against(out["compare"]["median_ms"], samples, "bare_app"), "errors": sorted(set(errors))}


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
    baselines = write_baselines(folder)
    log("browser: starting the app, the bare Plotly page and the bare app")
    with running_app(PROJECT_ROOT / "app.py") as app_url, running_app(baselines["bare_plotly"]) as bare_url, \
            running_app(baselines["bare_app"]) as bare_app_url, sync_playwright() as playwright:
        for url in (app_url, bare_url, bare_app_url):
            assert_loopback(url)
        app_pid, bare_pid = child_pid(port_of(app_url)), child_pid(port_of(bare_url))
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        targets = {name: (f"{app_url}/{path}", '[data-testid="stMain"] h1') for name, (_, path) in PAGES.items()}
        targets["bare_plotly"] = (f"{bare_url}/", '[data-testid="stPlotlyChart"]')
        targets["bare_app"] = (f"{bare_app_url}/", '[data-testid="stMain"] h1')
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
    rendered_ms = {name: [v["rendered_ms"] for v in visits] for name, visits in samples.items()}
    pages = {}
    for name, visits in samples.items():
        rendered = stats(rendered_ms[name])
        first = stats([v["first_content_ms"] for v in visits])
        pages[name] = {"rendered": rendered, "first_content": first, **against(rendered["median_ms"], rendered_ms, "bare_plotly"),
                       **against(rendered["median_ms"], rendered_ms, "bare_app", suffix="_bare_app"), "charts": visits[0]["charts"],
                       "exceptions": sum(v["exceptions"] for v in visits), "warmup_rendered_ms": warmup[name]["rendered_ms"]}
    out = {"baseline": "bare_plotly", "pages": pages,
           "server_memory_mb": {"after_one_visit_of_every_page": rss_one, "end": rss_end},
           "note": "time from page.goto to rendered: a new browser context (cold HTTP cache) per visit"}
    print_table("browser: navigation → fully rendered (median ms; ratios against the bare Plotly page and the bare app)",
                ["page", "first content", "rendered", "× bare Plotly", "+ms bare Plotly", "× bare app", "+ms bare app", "charts"],
                [[n, p["first_content"]["median_ms"], p["rendered"]["median_ms"], p["ratio"], p["excess_ms"], p["ratio_bare_app"],
                  p["excess_ms_bare_app"], p["charts"]] for n, p in pages.items()])
    print_table("server memory (MB)", ["server", "VmHWM after 1 visit/page", "VmHWM at end", "VmRSS at end"],
                [[k, rss_one[k].get("VmHWM"), rss_end[k].get("VmHWM"), rss_end[k].get("VmRSS")] for k in rss_end])
    return out


# --------------------------------------------------------------------------- targets


def check_targets(results: dict) -> list[dict]:
    """Each target of the brief against what this run measured: value, limit, met (None = not measured)."""
    checks = []

    def add(target, value, limit, note=""):
        checks.append({"target": target, "value": value, "limit": limit, "met": None if value is None else value <= limit, "note": note})

    pages = results.get("pages", {}).get("pages", {})
    if "home" in pages:
        home = pages["home"]
        add("home rerun: ratio to the bare app (AppTest)", home["ratio_bare_app"], TARGETS["home_rerun_ratio"], f"excess {home['excess_ms_bare_app']} ms")
        add("home rerun: excess over the bare app (ms)", home["excess_ms_bare_app"], TARGETS["home_rerun_excess_ms"])
    for name, page in pages.items():
        if name in PAGES:
            add(f"page script {name}: excess over bare Plotly (ms)", page["excess_ms"], TARGETS["page_excess_ms"], f"ratio {page['ratio']}")
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
