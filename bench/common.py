"""Shared helpers of the benchmark scripts: import path, timers, medians, process memory, machine facts, tables.

Nothing here is used by the app. Every timing is wall-clock `time.perf_counter` in milliseconds; the machine
is shared and noisy, so callers report medians over repeats and ratios against baselines taken in the same run.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import statistics
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # `python bench/run.py` puts bench/ first on the path, not the project
    sys.path.insert(0, str(PROJECT_ROOT))

LOOPBACK = "127.0.0.1"


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def time_ms(fn, *args, **kwargs) -> tuple[float, object]:
    """Wall time of one call in ms, and its result."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return ms_since(start), result


def sample_ms(fn, repeats: int, warmup: int = 1) -> list[float]:
    """`warmup` untimed calls, then `repeats` timed calls of `fn()`; the times in ms."""
    for _ in range(warmup):
        fn()
    return [time_ms(fn)[0] for _ in range(repeats)]


def stats(samples: list[float]) -> dict:
    """Median (the figure we report), min, max and the raw samples, rounded to 0.01 ms."""
    if not samples:
        return {"median_ms": None, "min_ms": None, "max_ms": None, "n": 0, "samples_ms": []}
    return {
        "median_ms": round(statistics.median(samples), 2),
        "min_ms": round(min(samples), 2),
        "max_ms": round(max(samples), 2),
        "n": len(samples),
        "samples_ms": [round(s, 2) for s in samples],
    }


def percentile(samples: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of the samples, None when there are none."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return round(ordered[rank - 1], 2)


def proc_status_mb(pid: int) -> dict:
    """VmHWM (peak resident set) and VmRSS (current) of a process, in MB, from /proc/<pid>/status."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, rest = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                values[name] = round(int(rest.split()[0]) / 1024, 1)  # kB -> MB
    return values


def child_pid(port: int, parent: int | None = None) -> int:
    """Pid of our child process whose command line serves `port` (the `streamlit run` that tests.browser.running_app
    starts with subprocess.Popen, which it does not expose)."""
    parent = parent or os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"streamlit" in b" ".join(argv) and str(port).encode() in argv:
            return int(entry.name)
    raise RuntimeError(f"no child streamlit process serving port {port}")


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def assert_loopback(url: str) -> None:
    """Benchmarks and load tests only ever talk to a server on this machine's loopback address."""
    if not url.startswith(f"http://{LOOPBACK}:"):
        raise SystemExit(f"refusing to target {url}: only http://{LOOPBACK} is allowed")


def machine_info() -> dict:
    """The facts a reader needs to weigh the figures: cores, memory, load, versions."""
    import numpy
    import pandas
    import plotly
    import streamlit

    meminfo = Path("/proc/meminfo").read_text().split("\n")
    total_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    try:
        playwright_version = importlib.metadata.version("playwright")
    except importlib.metadata.PackageNotFoundError:
        playwright_version = None
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(total_kb / 1024 / 1024, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
        "plotly": plotly.__version__,
        "playwright": playwright_version,
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().split("\n"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def code_state(root: Path | None = None) -> dict:
    """Which code was measured: a digest of app.py, evidence/, components/ and pages/, and their newest change.
    (Other work may change these files between runs; figures are only comparable at the same digest.)"""
    import hashlib

    root = root or PROJECT_ROOT
    files = sorted([root / "app.py", *(root / "evidence").glob("*.py"), *(root / "components").glob("*.py"), *(root / "pages").glob("*.py")])
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    newest = max(path.stat().st_mtime for path in files)
    return {"root": str(root), "files": len(files), "sha256": digest.hexdigest()[:16],
            "newest_change": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(newest))}


def ratio(value: float | None, baseline: float | None) -> float | None:
    return round(value / baseline, 2) if value is not None and baseline else None


def excess(value: float | None, baseline: float | None) -> float | None:
    return round(value - baseline, 1) if value is not None and baseline is not None else None


def print_table(title: str, headers: list[str], rows: list[list]) -> None:
    """A plain aligned table on stderr (stdout carries the JSON)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    out = [f"\n{title}", "  ".join(h.ljust(w) for h, w in zip(headers, widths)), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))) for row in cells]
    print("\n".join(out), file=sys.stderr, flush=True)


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
