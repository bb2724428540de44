r"""The figures of :mod:`sage_lfsr.plot`: what each draws, from known structures and runs."""
import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from matplotlib.figure import Figure  # noqa: E402

from sage_lfsr import LFSR, CycleStructure, map_cycles, predict_cycles  # noqa: E402
from sage_lfsr import plot  # noqa: E402


def test_figures_use_the_object_api_not_pyplot():
    source = open(plot.__file__).read()
    assert "import matplotlib.pyplot" not in source and "from matplotlib import pyplot" not in source
    assert "plt." not in source


def test_cycle_length_figure_plots_every_length_of_both_structures():
    register = LFSR.from_polynomial("(x^2 + x + 1)^2")
    figure = plot.cycle_length_figure({"predicted": predict_cycles(register), "enumerated": map_cycles(register)})
    assert isinstance(figure, Figure) and len(figure.axes) == 2
    count_axes, share_axes = figure.axes
    legend = [text.get_text() for text in count_axes.get_legend().get_texts()]
    assert legend == ["predicted", "enumerated"]
    plotted = sorted(round(y) for line in count_axes.get_lines() for y in line.get_ydata())
    assert plotted == sorted([1, 1, 2] * 2)  # {1: 1, 3: 1, 6: 2} twice
    shares = sorted(y for line in share_axes.get_lines()[:1] for y in line.get_ydata())
    assert shares == pytest.approx(sorted([1 / 16, 3 / 16, 12 / 16]))
    assert count_axes.get_xscale() == "linear"


def test_cycle_length_figure_goes_logarithmic_for_wide_ranges():
    structure = predict_cycles(LFSR.from_polynomial("x^12 + x^6 + x^4 + x + 1"))
    figure = plot.cycle_length_figure(structure)
    assert [axes.get_xscale() for axes in figure.axes] == ["log", "log"]
    assert figure.axes[1].get_yscale() == "log"


def test_tail_depth_figure_bars_match_the_tail_depths():
    structure = CycleStructure(2, 4, {1: 1, 3: 1}, {0: 4, 1: 4, 2: 8})
    axes = plot.tail_depth_figure(structure).axes[0]
    assert [int(bar.get_height()) for bar in axes.patches] == [4, 4, 8]
    assert "12 transient states" in axes.get_title()


def test_successor_table_agrees_with_next_state():
    register = LFSR([1, 2, 0], q=3)
    successors = plot.successor_table(register)
    assert len(successors) == 27 and sorted(successors) == list(range(27))  # invertible: a permutation
    assert all(register.state_index(register.next_state(i)) == successors[i] for i in range(27))


def test_graph_layout_puts_cycles_on_rings_and_trees_outside():
    register = LFSR.from_polynomial("x^4 + x^3 + x^2")  # x^2 (x^2 + x + 1): cycles {1, 3}, trees 2 deep
    successors = plot.successor_table(register)
    positions = plot.graph_layout(successors)
    assert sorted(positions) == list(range(16))
    assert len(set(positions.values())) == 16  # no two states on one spot
    cycles, children = plot._components(successors)
    three_cycle = next(cycle for cycle in cycles if len(cycle) == 3)
    centre = [sum(positions[s][k] for s in three_cycle) / 3 for k in (0, 1)]

    def radius(state):
        return ((positions[state][0] - centre[0]) ** 2 + (positions[state][1] - centre[1]) ** 2) ** 0.5

    ring = [radius(state) for state in three_cycle]
    assert max(ring) - min(ring) < 1e-9
    for root in three_cycle:
        for child in children[root]:
            assert radius(child) > ring[0]
            for grandchild in children[child]:
                assert radius(grandchild) > radius(child)


def test_transition_graph_draws_every_state_and_every_arrow():
    register = LFSR.from_polynomial("x^4 + x^3 + x^2")
    axes = plot.transition_graph_figure(register).axes[0]
    assert len(axes.collections[0].get_offsets()) == 16
    arrows = [text for text in axes.texts if getattr(text, "arrow_patch", None) is not None]
    assert len(arrows) == 16 - 1  # the fixed point 0 -> 0 draws no arrow
    colours = {tuple(c) for c in axes.collections[0].get_facecolors()}
    assert len(colours) == 2  # cycle states and tree states


def test_transition_graph_refuses_big_spaces():
    with pytest.raises(ValueError, match="at most 256 states"):
        plot.transition_graph_figure(LFSR.from_polynomial("x^9 + x^4 + 1"))


@pytest.fixture(scope="module")
def runs():
    register = LFSR.from_polynomial("x^10 + x^3 + 1")
    return [map_cycles(register),
            map_cycles(register, schedule="static", workers=2, batch_size=128),
            map_cycles(register, schedule="steal", workers=2, batch_size=128)]


@pytest.mark.timeout(120)
def test_worker_load_figure_has_a_column_per_run(runs):
    figure = plot.worker_load_figure(runs)
    assert len(figure.axes) == 3 * len(runs)
    titles = [axes.get_title() for axes in figure.axes if axes.get_title()]
    assert [title.split(" ")[0] for title in titles] == ["sequential", "static", "steal"]
    assert all("lambda" in title for title in titles)
    static_busy = figure.axes[1]  # row 0, column 1
    busy = [bar.get_height() for bar in static_busy.patches[:2]]
    assert busy == pytest.approx([load.busy_seconds for load in runs[1].worker_loads])


@pytest.mark.timeout(120)
def test_timeline_figure_draws_every_task(runs):
    figure = plot.timeline_figure(runs)
    assert len(figure.axes) == len(runs)
    for axes, run in zip(figure.axes, runs):
        drawn = sum(len(collection.get_paths()) for collection in axes.collections)
        assert drawn == sum(load.tasks for load in run.worker_loads)


@pytest.mark.timeout(120)
def test_speedup_rows_and_figure(runs):
    rows = plot.speedup_rows(runs)
    assert [row["schedule"] for row in rows] == ["sequential", "static", "steal"]
    assert rows[0]["speedup"] == 1.0
    assert rows[1]["lambda %"] == round(runs[1].imbalance, 1)
    assert all(0 <= row["lambda %"] <= 100.0 + 1e-9 for row in rows)
    figure = plot.speedup_figure(runs)
    assert [len(axes.patches) for axes in figure.axes] == [3, 3]


def test_figure_png_is_a_png():
    assert plot.figure_png(Figure(figsize=(1, 1))).startswith(b"\x89PNG")
