"""
The register animator's model against the register's own ``next_state`` and the engine's cycle
map (``map_cycles``), and its drawings against the model; no browser (tests/front/test_jupyterlab.py
clicks it in JupyterLab).
"""
import re

import pytest

from sage_lfsr import FSR, LFSR, map_cycles
from sage_lfsr.register_widget import AnimatorModel, RegisterAnimator, register_svg, state_graph_svg

CASES = [
    dict(degree=4, kind="fibonacci", coefficients=[1, 1, 0, 0]),
    dict(degree=4, kind="fibonacci", coefficients=[0, 0, 1, 1]),      # singular: trees
    dict(degree=5, kind="galois", coefficients=[1, 0, 1, 0, 0]),
    dict(degree=4, kind="xnor", coefficients=[1, 0, 0, 1]),
    dict(degree=4, kind="nonlinear", anf="x0 + x1*x2 + x3"),
    dict(degree=8, kind="fibonacci", coefficients=[1, 0, 1, 1, 1, 0, 0, 0]),
]


def register_of(case):
    if case["kind"] == "nonlinear":
        return FSR(case["anf"], case["degree"])
    extra = {"galois": {"form": "galois"}, "xnor": {"constant": 1}}.get(case["kind"], {})
    return LFSR(case["coefficients"], **extra)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['kind']}-{c['degree']}")
def test_the_model_steps_like_the_register_and_its_cycles_are_the_engines(case):
    register = register_of(case)
    model = AnimatorModel(**case)
    for index in range(2 ** case["degree"]):
        state = model.bits(index)
        assert model.successors[index] == register.state_index(register.next_state(state))
    engine = map_cycles(register)
    cycles = {(min(model_cycle), len(model_cycle))
              for model_cycle in (AnimatorModel(**case, state=model.bits(i)).cycle_of_current()
                                  for i in range(2 ** case["degree"]))}
    assert sorted(cycles) == sorted(engine.cycles)


@pytest.mark.parametrize("case", CASES[:5], ids=lambda c: f"{c['kind']}-{c['degree']}")
def test_the_walk_counts_the_period_when_it_closes_and_back_undoes(case):
    register = register_of(case)
    start = (1,) + (0,) * (case["degree"] - 1)
    model = AnimatorModel(**case, state=start)
    seen, state, expected_period = [start], start, None
    for step in range(2 ** case["degree"] + 1):
        model.step()
        state = tuple(int(x) for x in register.next_state(state))
        if expected_period is None and state in seen:
            expected_period = len(seen) - seen.index(state)
        seen.append(state)
        assert model.state == state and model.output[-1] == seen[-2][0]
    assert model.period == expected_period
    cycle = model.cycle_of_current()
    assert len(cycle) == expected_period
    for _ in range(len(model.walk) - 1):
        model.back()
    assert model.state == start and model.output == [] and model.period is None


def test_toggling_a_tap_and_a_bit_changes_the_register_and_restarts_the_walk():
    model = AnimatorModel(degree=4, coefficients=[1, 1, 0, 0])
    model.step()
    model.toggle_tap(3)
    assert model.register == LFSR([1, 1, 0, 1]) and len(model.walk) == 1
    before = model.state
    model.step()
    model.toggle_bit(0)
    after = tuple(int(x) for x in LFSR([1, 1, 0, 1]).next_state(before))
    assert model.state == (1 - after[0],) + after[1:] and model.walk == [model.index(model.state)]
    with pytest.raises(ValueError, match="no taps"):
        AnimatorModel(degree=3, kind="nonlinear", anf="x0 + x1*x2").toggle_tap(0)
    with pytest.raises(ValueError, match="degrees 1..8"):
        AnimatorModel(degree=9)


def test_the_drawings_show_the_models_state_and_current_node():
    model = AnimatorModel(degree=5, kind="galois", coefficients=[1, 0, 1, 0, 0], state=[0, 1, 1, 0, 1])
    for _ in range(3):
        model.step()
    cells = dict(re.findall(r'<g id="cell-(\d)">.*?<text[^>]*>(\d)</text>', register_svg(model), re.S))
    assert [int(cells[str(i)]) for i in range(5)] == list(model.state)
    graph = state_graph_svg(model)
    assert re.findall(r'id="current-node-(\d+)"', graph) == [str(model.current)]
    assert len(re.findall(r'id="node-\d+"', graph)) == 31
    assert "x0*x1" in register_svg(AnimatorModel(degree=3, kind="nonlinear", anf="x0 + x0*x1*x2 + x1"))


def test_the_widget_clicks_drive_the_model():
    animator = RegisterAnimator(degree=4, coefficients=[1, 1, 0, 0])
    animator.tap_buttons[2].value = True
    for _ in range(5):
        animator.step_button.click()
    expected = (1, 0, 0, 0)
    for _ in range(5):
        expected = tuple(int(x) for x in LFSR([1, 1, 1, 0]).next_state(expected))
    assert animator.model.state == expected
    assert f'id="current-node-{animator.model.current}"' in animator.graph_view.value
    animator.back_button.click()
    animator.cell_buttons[0].value = not animator.cell_buttons[0].value
    assert len(animator.model.walk) == 1
    animator.kind_menu.value = "nonlinear"
    assert animator.tap_buttons == [] and "f = " in animator.register_view.value
    animator.anf_text.value = "x0 + x9"
    assert "x9" in animator.message.value and animator.model.anf == "x0 + x1*x2 + x3"


# ---------------------------------------------------------------- pictures for renderers without widgets

def _pictures(html_text):
    r"""The images of a static picture, decoded: ``[(mimetype, bytes), ...]``."""
    import base64

    return [(kind, base64.b64decode(data))
            for kind, data in re.findall(r'<img alt="[^"]*" src="data:([^;]+);base64,([^"]+)"', html_text)]


def test_the_animator_carries_a_picture_of_its_current_state():
    animator = RegisterAnimator(degree=4, coefficients=[1, 1, 0, 0])
    for _ in range(3):
        animator.step_button.click()
    bundle = animator._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # a live front end still gets the widget
    (register_kind, register_image), (graph_kind, graph_image) = _pictures(bundle["text/html"])
    assert register_kind == graph_kind == "image/svg+xml"
    state = (1, 0, 0, 0)  # the animator's start; the register's own steps are the oracle
    for _ in range(3):
        state = tuple(int(x) for x in LFSR([1, 1, 0, 0]).next_state(state))
    expected = sum(bit << i for i, bit in enumerate(state))
    assert f'id="current-node-{expected}"'.encode() in graph_image
    assert register_image.decode() == animator.register_view.value and b'id="cell-3"' in register_image
    assert f"(index {expected})" in bundle["text/html"]


def test_nbconvert_html_shows_the_picture_where_the_widget_is():
    r"""A notebook saved without widget state (GitHub, a course page, nbconvert) shows the picture, not a blank."""
    nbformat = pytest.importorskip("nbformat")
    exporters = pytest.importorskip("nbconvert")
    animator = RegisterAnimator(degree=3, coefficients=[1, 0, 1])
    cell = nbformat.v4.new_code_cell("RegisterAnimator(degree=3, coefficients=[1, 0, 1])")
    cell.outputs = [nbformat.v4.new_output("execute_result", data=animator._repr_mimebundle_(), execution_count=1)]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    page, _ = exporters.HTMLExporter().from_notebook_node(notebook)
    output = page[page.index('jp-OutputArea-output'):]  # the cell's output area, after its input
    assert '<img alt="the register" src="data:image/svg+xml;base64,' in output
    assert 'type="application/vnd.jupyter.widget-view+json"' not in page
