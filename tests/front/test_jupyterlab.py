r"""
The explorer notebook opened in JupyterLab, in headless Chromium (Debian's
``/usr/bin/chromium`` driven by Playwright's Python package), runs and renders
its widgets: sliders, text boxes, progress bar and figure images appear, with
no 'Error displaying widget' and no lasting 'Loading widget'.
"""
import os
import secrets
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from notebook_support import (CHROMIUM, CHROMIUM_ARGS, REPOSITORY, free_port, jupyter_executable,
                              notebook_environment, require_kernel)

SERVER_START_SECONDS = 90
RENDER_SECONDS = 150


def _skip_without_browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/jupyter.sh does it)")
    pytest.importorskip("playwright.sync_api", reason="playwright is missing (.ci/jupyter.sh installs it)")
    if jupyter_executable() is None:
        pytest.skip("jupyter is missing (.ci/jupyter.sh installs jupyterlab)")
    require_kernel()


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory):
    r"""
    A JupyterLab server on a free port with a random token, started once for every
    browser test of the session: yields ``(base_url, token)``.
    """
    _skip_without_browser()
    tmp_path = tmp_path_factory.mktemp("jupyterlab")
    port, token = free_port(), secrets.token_hex(16)
    environment = notebook_environment()
    environment["JUPYTER_CONFIG_DIR"] = str(tmp_path / "config")
    environment["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "runtime")
    command = [jupyter_executable(), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={REPOSITORY}",
               "--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
               "--LabApp.news_url=",
               # checkpoints in the test's directory, not notebooks/.ipynb_checkpoints of the checkout
               f"--FileCheckpoints.checkpoint_dir={tmp_path / 'checkpoints'}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = open(tmp_path / "jupyter.log", "w")
    server = subprocess.Popen(command, cwd=REPOSITORY, env=environment, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/api/status?token={token}", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("JupyterLab did not start:\n" + (tmp_path / "jupyter.log").read_text()[-3000:])
            time.sleep(0.5)
        yield base_url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _output_text(page) -> str:
    return "\n".join(page.locator(".jp-OutputArea").all_inner_texts())


def _open_and_run(browser, jupyter_lab, notebook, height):
    r"""A page with ``notebook`` open on the package's kernel (no kernel-choice dialog), every cell run."""
    base_url, token = jupyter_lab
    page = browser.new_page(viewport={"width": 1400, "height": height})
    # A workspace of its own: the session's server would otherwise restore the tabs of an earlier test.
    workspace = notebook.split(".")[0].replace("_", "-")
    page.goto(f"{base_url}/lab/workspaces/{workspace}/tree/notebooks/{notebook}?reset&token={token}", timeout=90_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
    page.wait_for_function(
        "() => { const w = window.jupyterapp.shell.currentWidget;"
        f" return w && w.context && w.context.path.endsWith('{notebook}')"
        " && w.sessionContext && w.sessionContext.session"
        " && w.sessionContext.session.kernel"
        " && w.sessionContext.session.kernel.name === 'sage_lfsr'; }", timeout=90_000)
    assert page.locator(".jp-Dialog").count() == 0
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    return page


@pytest.mark.timeout(300)
def test_explorer_widgets_render_in_jupyterlab(jupyter_lab, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = _open_and_run(browser, jupyter_lab, "explore_cycles.ipynb", 1800)
            page.wait_for_selector(".jp-OutputArea .widget-image img, .jp-OutputArea img.widget-image",
                                   state="attached", timeout=RENDER_SECONDS * 1000)
            page.wait_for_selector(".jp-OutputArea .widget-text, .jp-OutputArea .widget-inline-hbox",
                                   timeout=30_000)
            page.wait_for_selector(".jp-OutputArea .widget-hprogress, .jp-OutputArea .widget-progress",
                                   state="attached", timeout=30_000)
            deadline = time.monotonic() + 60
            while "Loading widget" in _output_text(page) and time.monotonic() < deadline:
                time.sleep(1)
            time.sleep(2)  # let the last figure land
            text = _output_text(page)
            page.screenshot(path=str(tmp_path / "explore_cycles.png"), full_page=True)
            shot = os.environ.get("SAGE_LFSR_SCREENSHOT")
            if shot:
                page.screenshot(path=shot, full_page=True)
            assert "Error displaying widget" not in text
            assert "Loading widget" not in text
            assert "cycle length" in text and "predicted cycles" in text
            assert "agree" in text
            images = page.locator(".jp-OutputArea img")
            assert images.count() >= 3
            assert all(images.nth(i).evaluate("img => img.naturalWidth") > 100 for i in range(images.count())
                       if images.nth(i).is_visible())
        finally:
            browser.close()


@pytest.mark.timeout(300)
def test_register_animator_clicks_in_jupyterlab(jupyter_lab, tmp_path):
    r"""
    The lesson's animator: click tap c2, step five times, and read the drawn cells and the
    highlighted node back from the page (the register's own next_state is the oracle).
    """
    from playwright.sync_api import sync_playwright

    from sage_lfsr import LFSR

    expected = (1, 0, 0, 0)
    for _ in range(5):
        expected = tuple(int(x) for x in LFSR([1, 1, 1, 0]).next_state(expected))
    expected_index = sum(bit << i for i, bit in enumerate(expected))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = _open_and_run(browser, jupyter_lab, "lfsr_theory.ipynb", 1400)
            tap = page.locator(".jp-OutputArea button", has_text="c2").first
            tap.wait_for(timeout=RENDER_SECONDS * 1000)
            tap.scroll_into_view_if_needed()
            tap.click()
            page.wait_for_function("() => document.querySelector('[id=\"tap-2\"] path, [id=\"tap-2\"]') !== null",
                                   timeout=30_000)
            step = page.locator(".jp-OutputArea button", has_text="step").first
            for _ in range(5):
                step.click()
                time.sleep(0.4)  # each click redraws both figures
            page.wait_for_function(
                f"() => document.querySelector('[id=\"current-node-{expected_index}\"]') !== null", timeout=30_000)
            drawn = tuple(int(page.locator(f'[id="cell-{i}"] text').first.text_content().strip()) for i in range(4))
            highlighted = page.eval_on_selector_all('[id^="current-node-"]', "nodes => nodes.map(n => n.id)")
            page.screenshot(path=str(tmp_path / "register_animator.png"), full_page=True)
            assert drawn == expected
            assert highlighted == [f"current-node-{expected_index}"]
            assert "Error displaying widget" not in _output_text(page)
        finally:
            browser.close()
