"""Helpers to drive the real app: start `streamlit run` on a free loopback port, open headless Chromium, wait for a page."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from evidence.paths import PROJECT_ROOT

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(script: Path = PROJECT_ROOT / "app.py", port: int | None = None, cwd: Path = PROJECT_ROOT):
    """Serve `script` from `cwd` (the project, or a copy of it: its modules are imported from there) on 127.0.0.1;
    always stopped on exit. Yields the base URL."""
    port = port or free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), "--server.address", "127.0.0.1",
               "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    log = open(ARTIFACTS.parent / f".server-{port}.log", "w") if ARTIFACTS.parent.exists() else subprocess.DEVNULL
    server = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start (exit code {server.poll()})")
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
        if log is not subprocess.DEVNULL:
            log.close()


def wait_rendered(page, timeout: float = 60_000) -> None:
    """A page is rendered when the script stopped running and no spinner or skeleton remains."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && !document.querySelector('[data-testid=\"stSkeleton\"]')",
        timeout=timeout,
    )


def wait_rerun(page, timeout: float = 60_000) -> None:
    """After an interaction: wait for the rerun to start (briefly) and then to finish."""
    with contextlib.suppress(Exception):
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="running"]', timeout=1500)
    wait_rendered(page, timeout)


def open_page(page, url: str, timeout: float = 60_000) -> None:
    """Navigate and wait until the page's title is drawn and the script has finished (every page has an h1)."""
    page.goto(url)
    page.wait_for_selector('[data-testid="stMain"] h1, [data-testid="stException"]', timeout=timeout)
    wait_rendered(page, timeout)
