r"""
The manual (``docs/``, ``bash scripts/docs.sh``) builds with no Sphinx warning (``-W``) from the
notebooks the notebook tests execute (one execution each per session), every widget shown as the
picture of its state; then, opened in headless Chromium from a local server (nothing else
reachable), an API page shows a docstring's Input and Examples, a notebook page shows its math
typeset by the local MathJax and the widget's picture, and the search page finds a function.
"""
import functools
import http.server
import threading
from pathlib import Path

import pytest

from notebook_support import CHROMIUM, CHROMIUM_ARGS, NOTEBOOK_NAMES, manual_builder, require_kernel


@pytest.fixture(scope="module")
def manual(tmp_path_factory, executed):
    r"""The manual built into a temporary directory: the path of its ``html`` folder."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_nb")
    pytest.importorskip("jupyter_server_mathjax")
    require_kernel()
    # last first: under pytest-xdist the notebook tests execute from the first, so two workers share the work
    notebooks = {name: executed(name) for name in reversed(NOTEBOOK_NAMES)}
    return manual_builder().build(tmp_path_factory.mktemp("manual"), notebooks, quiet=True)


@pytest.mark.timeout(600)
def test_manual_builds_with_every_page(manual):
    pages = {path.relative_to(manual).as_posix() for path in manual.rglob("*.html")}
    for page in ("index.html", "setup.html", "use.html", "search.html", "api/registers.html", "api/theory.html",
                 "api/engine.html", "api/census.html", "api/debruijn.html", "api/front.html", "docs/dask.html",
                 "docs/exports.html", "docs/benchmarks.html"):
        assert page in pages
    assert {f"notebooks/{name.replace('.ipynb', '.html')}" for name in NOTEBOOK_NAMES} <= pages
    assert (manual / "_static" / "mathjax" / "MathJax.js").exists()
    lesson = (manual / "notebooks" / "lfsr_theory.html").read_text()
    assert "widget-view+json" not in lesson and "sage-lfsr-static-picture" in lesson
    # nothing is fetched from the network: no page loads a script from elsewhere
    for path in manual.rglob("*.html"):
        text = path.read_text()
        assert '<script src="http' not in text and "cdn.jsdelivr" not in text and "unpkg.com" not in text, path


def test_sage_docstrings_become_rubrics_and_code():
    conf = manual_builder().DOCS / "conf.py"
    import importlib.util

    spec = importlib.util.spec_from_file_location("sage_lfsr_manual_conf", conf)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lines = ["Do it.", "", "INPUT:", "", "- ``x`` -- a thing", "", "OUTPUT: a list; empty",
             "where nothing is found", "", "EXAMPLES::", "", "    sage: 1 + 1", "    2"]
    module.sage_docstring_to_rst(lines)
    assert lines == ["Do it.", "", ".. rubric:: Input", "", "", "- ``x`` -- a thing", "",
                     ".. rubric:: Output", "", "a list; empty where nothing is found", "",
                     ".. rubric:: Examples", "", "::", "", "", "    sage: 1 + 1", "    2"]


@pytest.fixture
def served(manual):
    r"""The built manual over HTTP on a free local port (a thread of this process)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(manual))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.mark.timeout(300)
def test_manual_renders_in_chromium(served, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (bash .ci/browser.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is missing (.ci/jupyter.sh installs it)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            outside = []
            page.on("request", lambda request: None if request.url.startswith((served, "about:", "data:"))
                    else outside.append(request.url))

            page.goto(f"{served}/api/census.html")
            census = page.locator('[id="sage_lfsr.census.census.census"]')
            assert census.count() == 1
            body = page.locator('[id="sage_lfsr.census.census.census"] + dd')
            rubrics = body.locator("p.rubric").all_inner_texts()
            assert rubrics[:3] == ["Input", "Output", "Examples"]
            example = body.locator("div.highlight pre").first.inner_text()
            assert example.startswith("sage: from sage_lfsr.census import census")

            page.goto(f"{served}/notebooks/lfsr_theory.html")
            page.wait_for_function("() => window.MathJax && MathJax.Hub", timeout=60_000)
            page.evaluate("() => MathJax.Hub.Queue(() => { window.typesetDone = true; })")
            page.wait_for_function("() => window.typesetDone === true", timeout=60_000)
            assert page.locator(".MathJax").count() > 10
            assert "\\(" not in page.locator("div.body").inner_text()  # no math left as raw TeX
            picture = page.locator(".sage-lfsr-static-picture img")
            assert picture.count() >= 2
            assert all(picture.nth(i).evaluate("img => img.complete && img.naturalWidth > 100")
                       for i in range(picture.count()))
            plots = page.locator("div.cell_output img")
            assert plots.count() >= 5  # the lesson's figures and the animator's two drawings

            page.goto(f"{served}/search.html?q=berlekamp_massey")
            page.wait_for_selector("#search-results ul.search li a", timeout=60_000)
            found = page.locator("#search-results ul.search li a").all_inner_texts()
            assert any("berlekamp_massey" in text for text in found)
            page.screenshot(path=str(tmp_path / "search.png"))
            assert outside == []
        finally:
            browser.close()


def test_setup_installs_nothing_on_the_system_unless_asked():
    r"""``scripts/setup.sh`` builds the Python environment only; chromium comes from ``.ci/browser.sh``, on request."""
    root = manual_builder().REPOSITORY
    setup = (root / "scripts" / "setup.sh").read_text().splitlines()
    commands = [line.split("#")[0] for line in setup if not line.lstrip().startswith("#")]
    assert not [line for line in commands if "apt-get" in line or "sudo" in line]
    assert [line for line in commands if ".ci/browser.sh" in line] == [
        'if [ "${1:-}" = "--browser" ]; then bash .ci/browser.sh; fi']
    assert "apt-get" not in (root / ".ci" / "jupyter.sh").read_text()
    test = (root / "scripts" / "test.sh").read_text()
    assert "bash .ci/browser.sh" in test and "git status --porcelain --ignored" in test


def test_hypothesis_keeps_its_database_out_of_the_checkout():
    from hypothesis.configuration import storage_directory

    root = manual_builder().REPOSITORY
    assert root not in storage_directory("examples", intent_to_write=False).path.resolve().parents
