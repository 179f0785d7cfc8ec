"""Where a page's browser time goes: the app as shipped against copies of it with one part taken out, each served
and visited round-robin with bench/run.py's bare baselines, in the same run. JSON on stdout, a table on stderr.

    .venv/bin/python bench/breakdown.py --repeats 5 > bench/results/breakdown.json 2> bench/results/breakdown.log

Variants (text edits on a temporary copy of the project; an edit that no longer matches the code stops the run, so
a figure never describes code that is not there):
  shipped          the project as it is
  no_chart_tabs    Compare and Trials without their tabs of charts: every Plotly figure those pages draw on arrival
  no_sidebar       app.py without the language switch and the sidebar filters (the pages get no filters)
Derived figures: Plotly's own cost (bare Plotly page minus bare app), and per page what each part adds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

import common
from common import PROJECT_ROOT, assert_loopback, excess, log, print_table, ratio, stats

EDITS = {  # variant -> [(file, text as shipped, text in the copy)]
    "shipped": [],
    "no_chart_tabs": [
        ("pages/compare.py", 'for tab, draw in zip(st.tabs(list(sections), key="compare_tab", on_change="rerun"), sections.values()):',
         "for tab, draw in []:"),
        ("pages/trials.py", '    for tab, draw in zip(st.tabs(list(sections), key="trials_tab", on_change="rerun"), sections.values()):',
         "    for tab, draw in []:"),
    ],
    "no_sidebar": [
        ("app.py", "render_language_switch()\nfilters = sidebar_filters(atlas)\n", "from evidence.filters import Filters\nfilters = Filters()\n"),
    ],
}
PAGES = {"home": "", "compare": "compare", "trials": "trials"}
IGNORED = shutil.ignore_patterns(".venv", ".git", "results", "artifacts", "__pycache__", ".server-*.log")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed visits of every target (after one warm-up visit)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rheumcell-breakdown-"))
    copies = {name: make_copy(folder / name, edits) for name, edits in EDITS.items()}
    samples = visit_all(copies, folder, args.repeats)
    results = {"machine": common.machine_info(), "command": " ".join(sys.argv), "repeats": args.repeats,
               "code": common.code_state(PROJECT_ROOT), **summarise(samples)}
    json.dump(results, sys.stdout, indent=1, default=str)
    print()


def make_copy(target: Path, edits: list[tuple[str, str, str]]) -> Path:
    shutil.copytree(PROJECT_ROOT, target, ignore=IGNORED)
    for file, shipped, replacement in edits:
        path = target / file
        text = path.read_text(encoding="utf-8")
        if text.count(shipped) != 1:
            raise SystemExit(f"bench/breakdown.py: {file} no longer holds the text this variant edits:\n{shipped}")
        path.write_text(text.replace(shipped, replacement), encoding="utf-8")
    return target


def visit_all(copies: dict[str, Path], folder: Path, repeats: int) -> dict[str, list[float]]:
    """Median-ready samples (rendered ms) of every page of every variant and of the two baselines, round-robin."""
    from playwright.sync_api import sync_playwright

    from run import visit, write_baselines
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, running_app

    baselines = write_baselines(folder / "baselines")
    with sync_playwright() as playwright, contextlib.ExitStack() as stack:
        targets = {}
        for variant, root in copies.items():
            url = stack.enter_context(running_app(root / "app.py", cwd=root))
            targets.update({f"{variant}/{page}": (f"{url}/{path}", '[data-testid="stMain"] h1') for page, path in PAGES.items()})
        targets["bare_app"] = (stack.enter_context(running_app(baselines["bare_app"])) + "/", '[data-testid="stMain"] h1')
        targets["bare_plotly"] = (stack.enter_context(running_app(baselines["bare_plotly"])) + "/", '[data-testid="stPlotlyChart"]')
        for url, _ in targets.values():
            assert_loopback(url)
        chromium = stack.enter_context(contextlib.closing(playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)))
        log("breakdown: warm-up visit of every target (excluded)")
        for url, ready in targets.values():
            visit(chromium, url, ready)
        samples = {name: [] for name in targets}
        for index in range(repeats):
            for name, (url, ready) in targets.items():
                samples[name].append(visit(chromium, url, ready)["rendered_ms"])
            log(f"breakdown: round {index + 1}/{repeats} done")
    return samples


def summarise(samples: dict[str, list[float]]) -> dict:
    medians = {name: stats(values)["median_ms"] for name, values in samples.items()}
    bare_app, bare_plotly = medians["bare_app"], medians["bare_plotly"]
    rows, out = [], {"rendered": {name: stats(values) for name, values in samples.items()}, "pages": {}}
    for page in PAGES:
        shipped = medians[f"shipped/{page}"]
        parts = {variant: excess(shipped, medians[f"{variant}/{page}"]) for variant in EDITS if variant != "shipped"}
        out["pages"][page] = {"shipped_ms": shipped, "ratio_bare_plotly": ratio(shipped, bare_plotly),
                              "excess_ms_bare_app": excess(shipped, bare_app),
                              **{f"{variant}_ratio_bare_plotly": ratio(medians[f"{variant}/{page}"], bare_plotly) for variant in parts},
                              **{f"ms_added_by_{variant.removeprefix('no_')}": value for variant, value in parts.items()}}
        rows.append([page, shipped, ratio(shipped, bare_plotly), *[ratio(medians[f"{v}/{page}"], bare_plotly) for v in parts],
                     *parts.values()])
    out["plotly_cost_ms"] = excess(bare_plotly, bare_app)  # one trivial chart on an empty page: Plotly's load and draw
    out["baselines_ms"] = {"bare_app": bare_app, "bare_plotly": bare_plotly}
    variants = [v for v in EDITS if v != "shipped"]
    print_table("browser breakdown: rendered ms as shipped, × bare Plotly per variant, and ms each part adds",
                ["page", "shipped ms", "× bare Plotly", *[f"× without {v[3:]}" for v in variants], *[f"+ms {v[3:]}" for v in variants]], rows)
    print_table("baselines (median rendered ms)", ["bare app", "bare Plotly", "Plotly's own cost ms"],
                [[bare_app, bare_plotly, out["plotly_cost_ms"]]])
    return out


if __name__ == "__main__":
    main()
