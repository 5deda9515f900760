"""A real browser: JupyterLab on localhost, the playground (notebook 06) in headless Chromium.

Starts JupyterLab from the repository's root on a free port with a token, opens
``notebooks/06_playground.ipynb`` in Debian's Chromium driven by Playwright, runs all cells,
presses Train, and checks that the widgets and the trained result's plot render. The
screenshot is saved as ``artifacts/playground.png``.

The JupyterLab is set up as a student's Binder image is: its settings overrides are
``nalu_lib/notebook/lab_overrides.json``, installed as ``python -m nalu_lib kernel`` installs them
(JupyterLab reads ``overrides.json`` from its application settings folder,
``{sys.prefix}/share/jupyter/lab/settings`` on Binder, a temporary copy here), and the JupyterLab
extensions of the tools that only ``requirements-dev.txt`` installs (nbgrader's, for teachers) are
disabled, since the students' image does not have them. The test then checks that a student sees
neither nbgrader (its menu, its Validate button, its Create Assignment panel) nor the "get notified
about Jupyter news?" pop-up.

Needs ``playwright`` (PyPI, pinned in requirements-dev.txt) and a Chromium at
``/usr/bin/chromium`` (Debian's ``chromium`` package; ``.ci/run`` installs it). Skipped, with
the reason, where either is missing; Playwright's own browser download is never used.
"""

from __future__ import annotations

import importlib.metadata
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

OVERRIDES = ROOT / "nalu_lib" / "notebook" / "lab_overrides.json"
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
#: How long to wait after the page is ready for a notification to show up: JupyterLab asks about
#: news a few seconds after it starts.
NOTIFICATION_SECONDS = 8

try:
    from playwright import sync_api
except ImportError:  # the JupyterLab checks below run without it
    sync_api = None


def _need_a_browser() -> None:
    if sync_api is None:
        pytest.skip("playwright is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install Debian's `chromium` package (.ci/run does), "
            "or point NALU_CHROMIUM at one"
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, token: str, method: str = "GET", timeout: float = 5.0):
    request = urllib.request.Request(url, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


def _dev_only_lab_extensions() -> list[str]:
    """The JupyterLab extensions installed by the packages requirements-dev.txt pins (test and
    teacher tools that a student's Binder image does not have), by extension name."""
    names = []
    for line in DEV_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[=<>!~;\[ ]", line, maxsplit=1)[0])
    extensions = set()
    for name in names:
        try:
            files = importlib.metadata.distribution(name).files or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for file in files:
            parts = pathlib.PurePosixPath(str(file)).parts
            if "labextensions" in parts and parts[-1] == "package.json":
                extensions.add(json.loads(file.read_text(encoding="utf-8"))["name"])
    return sorted(extensions)


def test_nbgrader_is_a_dev_only_lab_extension():
    # The browser test below hides these from the student's JupyterLab; if nbgrader's were not
    # among them (not installed, or renamed), the checks for its menu would prove nothing.
    assert "@jupyter/nbgrader" in _dev_only_lab_extensions()


@pytest.fixture(scope="module")
def jupyter_lab(tmp_path_factory):
    """JupyterLab serving the repository on 127.0.0.1; yields ``(base_url, token)``."""
    home = tmp_path_factory.mktemp("jupyter")
    # As python -m nalu_lib kernel does (binder/postBuild, the README): overrides.json in
    # JupyterLab's application settings folder.
    app_settings = home / "app-settings"
    app_settings.mkdir()
    (app_settings / "overrides.json").write_text(OVERRIDES.read_text(encoding="utf-8"), encoding="utf-8")
    # The student's image has no test or teacher tools: their JupyterLab extensions are off.
    labconfig = home / "config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": dict.fromkeys(_dev_only_lab_extensions(), True)}), encoding="utf-8"
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),  # no user configuration
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),  # no user settings
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
        f"--LabApp.app_settings_dir={app_settings}",
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


def test_the_overrides_reach_jupyterlab(jupyter_lab):
    base, token = jupyter_lab
    status, body = _request(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification", token)
    assert status == 200
    defaults = json.loads(body)["schema"]["properties"]
    assert defaults["fetchNews"]["default"] == "false", "nalu_lib/notebook/lab_overrides.json did not reach JupyterLab"
    assert defaults["checkForUpdates"]["default"] is False


def test_playground_trains_in_a_real_browser(jupyter_lab):
    _need_a_browser()
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

            # A student's JupyterLab: no nbgrader, no question about news.
            menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
            assert "Run" in menus and "Kernel" in menus, menus  # the menu bar is there and readable
            assert not [m for m in menus if "nbgrader" in m.lower()], f"nbgrader's menu is visible: {menus}"
            toolbar = page.locator(".jp-NotebookPanel-toolbar").first
            assert toolbar.locator("[data-command], button").count() > 3  # the toolbar's buttons are there
            assert toolbar.get_by_text("Validate").count() == 0, "nbgrader's Validate button is visible"
            panels = page.locator(".lm-TabBar-tab").evaluate_all(
                "tabs => tabs.map(t => (t.getAttribute('title') || '') + ' ' + t.textContent)"
            )
            assert panels, "no side panel tabs found"
            assert not [p for p in panels if "assignment" in p.lower() or "nbgrader" in p.lower()], panels
            page.wait_for_timeout(NOTIFICATION_SECONDS * MS)
            assert page.get_by_text(re.compile("Jupyter news", re.IGNORECASE)).count() == 0, (
                "JupyterLab asks about news: nalu_lib/notebook/lab_overrides.json should turn that off"
            )

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
            options = [selects.nth(i).locator("option").all_text_contents() for i in range(2)]
            assert any("multiply" in o for o in options[0]) and "NALU" in options[1], options
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
