"""A real browser: JupyterLab on localhost, the playground (notebook 06) in headless Chromium.

Starts JupyterLab from the repository's root on a free port with a token, opens
``notebooks/06_playground.ipynb`` in Debian's Chromium driven by Playwright, runs all cells,
presses Train, and checks that the widgets and the trained result's plot render. The
screenshot is saved as ``artifacts/playground.png``.

Needs ``playwright`` (PyPI, pinned in binder/requirements.txt) and a Chromium at
``/usr/bin/chromium`` (Debian's ``chromium`` package; ``.ci/run`` installs it). Skipped, with
the reason, where either is missing; Playwright's own browser download is never used.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/06_playground.ipynb"
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = pathlib.Path(os.environ.get("NALU_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Generous, for a busy 2-core machine: TensorFlow alone takes seconds to start in the kernel.
SERVER_START_SECONDS = 120
KERNEL_SECONDS = 240
MS = 1000

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
if not CHROMIUM.exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install Debian's `chromium` package (.ci/run does), or point NALU_CHROMIUM at one",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, token: str, method: str = "GET", timeout: float = 5.0):
    request = urllib.request.Request(url, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def jupyter_lab(tmp_path_factory):
    """JupyterLab serving the repository on 127.0.0.1; yields ``(base_url, token)``."""
    home = tmp_path_factory.mktemp("jupyter")
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No "would you like news?" toast over the screenshot, no update check.
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8"
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),  # no user configuration
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI runs as root
        command.append("--allow-root")
    log_path = home / "jupyterlab.log"
    log = log_path.open("w", encoding="utf-8")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    children = []
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log_path.read_text()}")
            try:
                if _request(f"{base}/api/status", token)[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start in {SERVER_START_SECONDS} s:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield base, token
    finally:
        try:  # the kernels JupyterLab started, so that none outlives the test
            import psutil

            children = psutil.Process(server.pid).children(recursive=True)
        except Exception:
            children = []
        try:  # a clean shutdown stops the kernels too
            _request(f"{base}/api/shutdown", token, method="POST")
        except Exception:
            pass
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        for child in children:
            try:
                if child.is_running():
                    child.terminate()
                    child.wait(timeout=10)
            except Exception:
                pass
        log.close()


def test_playground_trains_in_a_real_browser(jupyter_lab):
    base, token = jupyter_lab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        console_errors = []
        page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
        try:
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}", timeout=120 * MS)
            page.locator(".jp-NotebookPanel .jp-Notebook").first.wait_for(timeout=120 * MS)
            idle = page.locator('.jp-NotebookPanel [data-status="idle"]').first
            idle.wait_for(state="attached", timeout=KERNEL_SECONDS * MS)

            # Run > Run All Cells, as a student would.
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

            playground = page.locator(".nalu-playground").first
            train = playground.locator("button", has_text="Train")
            train.wait_for(state="visible", timeout=KERNEL_SECONDS * MS)
            # The widgets: two drop-downs (operation, unit) with their options, the number
            # boxes, the button.
            selects = playground.locator("select")
            assert selects.count() == 2
            assert "multiply" in selects.nth(0).inner_text() and "NALU" in selects.nth(1).inner_text()
            assert playground.locator("input").count() >= 5
            # Wait for Run All to finish, so that Train is not queued behind the other cells.
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-NotebookPanel .jp-InputArea-prompt')]"
                ".every(p => !p.textContent.includes('*'))",
                timeout=KERNEL_SECONDS * MS,
            )

            # Count the live loss curves that appear while training (they give way to the result).
            playground.locator(".nalu-playground-live").evaluate(
                """live => {
                    window.naluLiveImages = 0;
                    new MutationObserver(records => {
                        for (const record of records) {
                            for (const node of record.addedNodes) {
                                if (node.nodeType !== 1) continue;
                                if (node.tagName === "IMG" || node.querySelector("img")) window.naluLiveImages += 1;
                            }
                        }
                    }).observe(live, {childList: true, subtree: true});
                }"""
            )
            train.click()
            image = playground.locator(".nalu-playground-result img").first
            image.wait_for(state="visible", timeout=KERNEL_SECONDS * MS)
            message = playground.locator(".nalu-playground-message")
            sync_api.expect(message).to_contain_text("Trained in", timeout=60 * MS)
            assert image.evaluate("img => img.complete && img.naturalWidth > 500 && img.naturalHeight > 200")
            assert page.evaluate("window.naluLiveImages") > 0, "no live loss curve was drawn while training"
            sync_api.expect(playground.locator(".nalu-playground-result")).to_contain_text("NALU layer")
            weights = playground.locator(".nalu-playground-result").inner_text()
            assert "1.0000" in weights, weights

            playground.scroll_into_view_if_needed()
            playground.screenshot(path=str(ARTIFACTS / "playground.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "playground-failure.png"))
            raise
        finally:
            browser.close()
    assert (ARTIFACTS / "playground.png").stat().st_size > 10_000
    assert not [e for e in console_errors if "widget" in e.lower()], console_errors
