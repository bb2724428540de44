r"""
Every notebook executes top to bottom headless (nbclient, the ``sage_lfsr``
kernel) without an error, and shows what it promises.
"""
import json

import pytest

from notebook_support import NOTEBOOK_NAMES, NOTEBOOKS, require_kernel


def outputs(notebook):
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_has_the_package_kernelspec(name):
    metadata = json.loads((NOTEBOOKS / name).read_text())["metadata"]
    assert metadata["kernelspec"] == {"name": "sage_lfsr", "display_name": "Python (sage_lfsr)",
                                      "language": "python"}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebook_executes_headless(name, executed):
    require_kernel()
    notebook = executed(name)
    results = outputs(notebook)
    assert not [output for output in results if output.output_type == "error"]
    assert not [output for output in results if output.get("name") == "stderr" and "Traceback" in output.text]
    widget_views = [output for output in results if "application/vnd.jupyter.widget-view+json" in output.get("data", {})]
    # every widget also carries a picture of its state for renderers without widgets (nbconvert, the manual)
    assert all(output["data"].get("text/html", "").count("<img ") >= 1 for output in widget_views)
    if name in ("explore_cycles.ipynb", "scheduling.ipynb"):
        assert widget_views, "the widget cells display no widget"
        state = notebook.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
        images = [model for model in state.get("state", {}).values()
                  if model["model_name"] == "ImageModel"
                  and any(buffer.get("data", "").startswith("iVBORw0KGgo") for buffer in model.get("buffers", []))]
        assert images, "no figure (PNG) was drawn into the widgets"
    if name == "scheduling.ipynb":  # the crossover: a summary line per kernel and schedule, and its figure
        printed = "".join(output.get("text", "") for output in results if output.get("name") == "stdout")
        for kernel in ("fast", "sage"):
            for schedule in ("static", "queue", "steal", "hybrid"):
                assert f"kernel {kernel}, {schedule}" in printed
        assert any("image/png" in output.get("data", {}) for output in results)
    if name == "census.ipynb":
        last_values = [output["data"]["text/plain"] for output in results if "text/plain" in output.get("data", {})]
        assert last_values.count("True") == 3 and "False" not in last_values
        assert any("image/png" in output.get("data", {}) for output in results)
        assert any("of maximum period" in output.get("text", "") for output in results)
    if name == "de_bruijn.ipynb":  # two figures, the joined register's one cycle, the counts, the rules' check
        printed = "".join(output.get("text", "") for output in results if output.get("name") == "stdout")
        assert sum("image/png" in output.get("data", {}) for output in results) >= 2
        assert "[2, 12, 576]" in printed and printed.count("True") >= 3 and "False" not in printed
    if name == "lfsr_theory.ipynb":
        assert sum("image/png" in output.get("data", {}) for output in results) >= 3
        last_values = [output["data"]["text/plain"] for output in results if "text/plain" in output.get("data", {})]
        assert "False" not in last_values
        assert last_values.count("True") >= 3
        assert last_values.count("'not answered yet'") == 3  # the three exercises' checks ran
        assert any("RegisterAnimator" in output.get("data", {}).get("text/plain", "") or
                   "application/vnd.jupyter.widget-view+json" in output.get("data", {}) for output in results)


@pytest.mark.timeout(300)
def test_explorer_notebook_maps_the_register_it_shows(executed):
    require_kernel()
    notebook = executed("explore_cycles.ipynb")
    text = [output["data"]["text/plain"] for output in outputs(notebook) if "text/plain" in output.get("data", {})]
    assert any("CycleMap of 256 states over GF(2)" in value for value in text)
