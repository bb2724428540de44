r"""
The crossover measurement (:mod:`sage_lfsr.crossover`) and its figure, on tiny
sizes: rows carry the fields the plot reads, speedups are the measured
sequential time over the measured parallel time, and every map agrees with the
sequential one and with the cycle structure theory predicts.
"""
import pytest

from sage_lfsr import predict_cycles
from sage_lfsr.crossover import crossover_register, crossover_sizes, crossover_summary, measure_crossover
from sage_lfsr.plot import crossover_figure

FIELDS = {"kernel", "degree", "states", "schedule", "workers", "wall_seconds", "sequential_seconds", "speedup",
          "imbalance_percent", "redundant_percent", "cycle_counts", "matches_sequential"}


@pytest.fixture(scope="module")
def rows():
    return measure_crossover(kernels={"fast": [6, 9], "sage": [5]}, schedules=("static", "steal"), workers=2,
                             repeats=1, register="many-cycles")


def test_rows_cover_every_kernel_size_and_schedule(rows):
    assert [(row["kernel"], row["degree"], row["schedule"], row["workers"]) for row in rows] == [
        (kernel, degree, schedule, 1 if schedule == "sequential" else 2)
        for kernel, degree in (("fast", 6), ("fast", 9), ("sage", 5))
        for schedule in ("sequential", "static", "steal")]
    assert all(FIELDS <= set(row) for row in rows)
    assert all(row["states"] == 2 ** row["degree"] for row in rows)


def test_speedup_is_the_sequential_time_over_the_measured_time(rows):
    for row in rows:
        sequential = next(other for other in rows if other["schedule"] == "sequential"
                          and (other["kernel"], other["degree"]) == (row["kernel"], row["degree"]))
        assert row["sequential_seconds"] == sequential["wall_seconds"] > 0
        assert row["wall_seconds"] > 0
        assert row["speedup"] == pytest.approx(sequential["wall_seconds"] / row["wall_seconds"])


def test_every_map_is_the_sequential_one_and_the_predicted_one(rows):
    assert all(row["matches_sequential"] for row in rows)
    for row in rows:
        predicted = predict_cycles(crossover_register("many-cycles", row["degree"]))
        assert row["cycle_counts"] == predicted.cycle_counts


def test_the_figure_and_the_summary_show_each_kernel_and_schedule(rows):
    figure = crossover_figure(rows)
    assert [axes.get_title() for axes in figure.axes] == ['kernel "fast", W = 2', 'kernel "sage", W = 2']
    for axes in figure.axes:
        labels = [text.get_text().split(" ")[0] for text in axes.get_legend().get_texts()]
        assert labels == ["static", "steal"]
        assert axes.get_xscale() == "log"
    summary = crossover_summary(rows).splitlines()
    assert len(summary) == 4 and all(("pays from" in line) != ("does not pay" in line) for line in summary)
    assert set(crossover_sizes(rows)) == {(k, s) for k in ("fast", "sage") for s in ("static", "steal")}


def test_crossover_sizes_needs_every_larger_size_to_pay():
    def row(states, speedup):
        return {"kernel": "fast", "schedule": "queue", "states": states, "speedup": speedup}

    assert crossover_sizes([row(16, 1.5), row(64, 0.9), row(256, 1.2)]) == {("fast", "queue"): 256}
    assert crossover_sizes([row(16, 1.5), row(64, 1.1)]) == {("fast", "queue"): 16}
    assert crossover_sizes([row(16, 1.5), row(64, 1.0)]) == {("fast", "queue"): None}


@pytest.mark.parametrize("arguments, message", [
    ({"kernels": {"fast": [0]}}, "positive integers"),
    ({"kernels": {"numpy": [4]}}, "kernel"),
    ({"kernels": {"fast": [4]}, "schedules": ("sequential",)}, "parallel schedules"),
    ({"kernels": {"fast": [4]}, "workers": 0}, "positive integers"),
    ({"kernels": {"fast": [4]}, "register": "skewed"}, "unknown register kind"),
])
def test_bad_arguments_are_refused_before_any_run(arguments, message):
    with pytest.raises(ValueError, match=message):
        measure_crossover(**arguments)


def test_a_warm_pool_runs_the_parallel_maps_as_its_own_series():
    from sage_lfsr.engine.pool import MappingPool

    with MappingPool(workers=2) as pool:
        rows = measure_crossover(kernels={"fast": [8]}, schedules=("queue",), pool=pool)
        pids = pool.pids
        again = measure_crossover(kernels={"fast": [8]}, schedules=("queue",), pool=pool)
        assert pool.pids == pids  # the same workers served both measurements
    assert [(row["series"], row["workers"]) for row in rows] == [("sequential", 1), ("queue, warm pool", 2)]
    assert all(row["matches_sequential"] for row in rows + again)
    assert set(crossover_sizes(rows)) == {("fast", "queue, warm pool")}
    figure = crossover_figure(rows + measure_crossover(kernels={"fast": [8]}, schedules=("queue",), workers=2))
    legend = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert [entry.split(" (")[0] for entry in legend] == ["queue, warm pool", "queue"]
    assert [line.get_linestyle() for line in figure.axes[0].get_lines()
            if not line.get_label().startswith("_")] == ["--", "-"]
