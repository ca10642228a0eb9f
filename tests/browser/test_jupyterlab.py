"""The interactive path: JupyterLab opens notebooks/preston_curve.ipynb and runs all its cells.

A real ``jupyter lab`` server (127.0.0.1, a random token, a free port, settings and workspaces in a
temporary folder) serves a copy of the notebook; headless Chromium opens it, runs Run > Run All
Cells from the menu bar, waits until every cell has run and the kernel is idle, and checks that the
figure is shown and no error or stderr output is. The server is shut down afterwards.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kinship_research.pipeline import parameters as notebooks

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser_jupyterlab")]

NOTEBOOK = "preston_curve"
START_TIMEOUT = 90  # seconds for the server to answer
RUN_TIMEOUT = 600  # seconds for all cells (the notebook takes ~10 s with its defaults)
ERROR_OUTPUTS = (
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], '
    '.jp-RenderedText[data-mime-type="application/vnd.jupyter.error"], '
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]'
)
# No news or update checks from the frontend (the browser is offline anyway).
SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, server: subprocess.Popen, log: Path) -> None:
    end = time.monotonic() + START_TIMEOUT
    while time.monotonic() < end:
        if server.poll() is not None:
            pytest.fail(f"jupyter lab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer {url} within {START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def lab(mirror, tmp_path):
    """A running ``jupyter lab`` on a copy of the notebook: yields (notebook URL, folder); stopped after."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copyfile(notebooks.notebook_path(NOTEBOOK), work / f"{NOTEBOOK}.ipynb")
    home = tmp_path / "jupyter"
    settings = home / "settings"
    for name, values in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    env = {k: v for k, v in os.environ.items() if k != "KINSHIP_REPORTS_DIR"}
    env |= {
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    port, token = _free_port(), secrets.token_hex(16)
    log = tmp_path / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={work}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",  # the 'pypi' manager would query PyPI
    ]
    if os.geteuid() == 0:  # CI runs as root
        command.append("--allow-root")
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(f"{base}/api/status?token={token}", server, log)
        yield f"{base}/lab/tree/{NOTEBOOK}.ipynb?token={token}", work
    finally:
        try:
            request = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST")
            urllib.request.urlopen(request, timeout=10).close()
        except OSError:
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


def _until(driver, script: str, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"JupyterLab: {what} not reached within {timeout} s")


def _click(driver, selector: str, text: str, timeout: float = 30) -> None:
    """Click (a real mouse click) the first visible element matching ``selector`` whose text is ``text``."""
    find = f"""
      return [...document.querySelectorAll({json.dumps(selector)})]
        .find(e => e.textContent.trim() === {json.dumps(text)} && e.getClientRects().length) || null;
    """
    _until(driver, find, timeout, f"{text!r} ({selector}) to click").click()


STATE = """
const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
if (!panel) return null;
const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent.trim());
return {status: indicator ? indicator.getAttribute('data-status') : null, prompts: prompts,
        cells: panel.querySelectorAll('.jp-CodeCell').length};
"""


def test_jupyterlab_runs_preston_curve(chromium, lab):
    url, work = lab
    code_cells = sum(c["cell_type"] == "code" for c in notebooks.read(NOTEBOOK)["cells"])
    chromium.get(url)
    _until(
        chromium,
        f"const s = (() => {{{STATE}}})(); return s && s.status === 'idle' && s.cells === {code_cells};",
        START_TIMEOUT,
        "the notebook open with an idle kernel",
    )
    _click(chromium, ".lm-MenuBar-itemLabel", "Run")
    _click(chromium, ".lm-Menu-itemLabel", "Run All Cells")
    done = f"""
      const s = (() => {{{STATE}}})();
      return s && s.status === 'idle' && s.prompts.length === {code_cells}
             && s.prompts.every(p => /^\\[\\d+\\]:$/.test(p)) ? s : null;
    """
    try:
        _until(chromium, done, RUN_TIMEOUT, "every cell run and the kernel idle")
    finally:
        screenshot(chromium, work.parent / "screenshots" / "jupyterlab.png", full_page=False)
    errors = chromium.execute_script(
        f"return [...document.querySelectorAll({json.dumps(ERROR_OUTPUTS)})].map(e => e.textContent.slice(0, 400));"
    )
    assert not errors, f"JupyterLab shows {len(errors)} error/stderr outputs, first: {errors[0]!r}"
    images = chromium.execute_script(
        "return [...document.querySelectorAll('.jp-OutputArea-output img')].map(i => i.naturalWidth);"
    )
    assert images and all(w > 0 for w in images), f"no figure output in JupyterLab (image widths: {images})"
    results = work / "reports" / NOTEBOOK / "results.json"
    assert results.exists(), "the notebook run interactively did not write reports/preston_curve/results.json"
