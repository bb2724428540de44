r"""
The widget builders: setting widget values updates the figures; bad input shows
a message, never a traceback; long runs report progress and can be cancelled.
"""
import html
import os
import threading

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from sage_lfsr.common.errors import MappingCancelled  # noqa: E402
from sage_lfsr.widgets import (BackgroundRun, CycleExplorer, InputError, SchedulingBench,  # noqa: E402
                               read_register)


def png(view):
    return bytes(view.value)


@pytest.fixture
def explorer():
    return CycleExplorer(coefficients="1 1 0 0")


def test_explorer_first_run_shows_prediction_and_enumeration(explorer):
    assert explorer.enumerated.cycle_counts == {1: 1, 15: 1}
    assert "prediction and enumeration agree" in explorer.table.value
    assert "x^4 + x + 1" in explorer.summary.value
    assert png(explorer.lengths_view).startswith(b"\x89PNG")
    assert explorer.graph_view.figure is not None
    assert explorer.tail_view.layout.display == "none"  # not singular


@pytest.mark.timeout(120)
def test_changing_the_coefficients_redraws_the_figures(explorer):
    before_lengths, before_graph = png(explorer.lengths_view), png(explorer.graph_view)
    explorer.coefficients.value = "1 1 1 1"
    explorer.wait()
    assert explorer.enumerated.cycle_counts == {1: 1, 5: 3}
    assert png(explorer.lengths_view) != before_lengths
    assert png(explorer.graph_view) != before_graph
    assert explorer.message.value == ""


@pytest.mark.timeout(120)
def test_a_singular_register_gets_a_tail_depth_histogram(explorer):
    explorer.coefficients.value = "0 0 1 1"
    explorer.wait()
    assert explorer.enumerated.tail_depths == {0: 4, 1: 4, 2: 8}
    assert explorer.tail_view.layout.display is None
    heights = [int(bar.get_height()) for bar in explorer.tail_view.figure.axes[0].patches]
    assert heights == [4, 4, 8]


@pytest.mark.timeout(120)
def test_polynomial_source_over_gf3_and_field_change(explorer):
    explorer.source.value = "polynomial"
    explorer.wait()
    assert explorer.coefficients.layout.display == "none" and explorer.polynomial.layout.display is None
    with explorer.hold_trait_notifications():
        explorer.field_order.value = 3
    explorer.polynomial.value = "x^2 + 1"
    explorer.wait()
    assert explorer.register.field_order == 3
    assert explorer.enumerated.cycle_counts == {1: 1, 4: 2}


@pytest.mark.timeout(120)
def test_random_primitive_source_draws_a_single_long_cycle(explorer):
    explorer.degree.value = 10
    explorer.source.value = "random primitive"
    explorer.wait()
    assert explorer.enumerated.cycle_counts == {1: 1, 1023: 1}
    assert explorer.graph_view.layout.display == "none"
    assert "at most 256 states" in explorer.graph_note.value


@pytest.mark.timeout(120)
def test_sage_kernel_gives_the_same_map(explorer):
    explorer.kernel.value = "sage"
    explorer.wait()
    assert explorer.enumerated.kernel == "sage"
    assert explorer.enumerated.cycle_counts == {1: 1, 15: 1}


@pytest.mark.parametrize("field_order, coefficients, expected", [
    (2, "1 2 0 1", "coefficient c_1 = 2 is outside GF(2)"),
    (6, "1 1", "q = 6 is not a prime power"),
    (1, "1 1", "q = 1 is not a prime power"),
    (2, "1 x", "'x' is not one"),
    (2, "", "type the coefficients"),
    (2, "1 " * 25, "more than this view maps"),
])
def test_bad_input_shows_a_message_not_a_traceback(explorer, field_order, coefficients, expected):
    figure_before = png(explorer.lengths_view)
    with explorer.hold_trait_notifications():
        explorer.field_order.value = field_order
        explorer.coefficients.value = coefficients
    explorer.update(background=False)
    assert expected in html.unescape(explorer.message.value)
    assert "Traceback" not in explorer.message.value and "sage-lfsr-error" in explorer.message.value
    assert png(explorer.lengths_view) == figure_before  # the last good figure stays


def test_bad_polynomial_shows_a_message():
    explorer = CycleExplorer(source="polynomial", polynomial="x^3 + +")
    assert "cannot read" in explorer.message.value
    assert explorer.enumerated is None


def test_read_register_messages_are_single_lines():
    with pytest.raises(InputError) as error:
        read_register(4, source="polynomial", polynomial="x^2 + y")
    assert "\n" not in str(error.value)


@pytest.mark.timeout(60)
def test_background_run_reports_progress_and_cancels():
    runner = BackgroundRun()
    started, results = threading.Event(), []

    def work(progress, cancel):
        progress(5, 10)
        started.set()
        if not cancel.wait(30):
            return "not cancelled"
        raise MappingCancelled("the run was cancelled")

    runner.start(work, results.append)
    assert started.wait(10)
    assert runner.progress.value == 5 and runner.progress.max == 10
    assert not runner.cancel_button.disabled
    runner.cancel_button.click()
    runner.wait(30)
    assert not runner.running and results == []
    assert "cancelled" in runner.message.value and runner.progress.bar_style == "warning"


@pytest.mark.timeout(60)
def test_background_run_shows_errors_as_messages():
    runner = BackgroundRun()

    def work(progress, cancel):
        raise ValueError("first line\nsecond line")

    runner.start(work, lambda result: None)
    runner.wait(30)
    assert "ValueError: first line" in runner.message.value and "second line" not in runner.message.value


@pytest.mark.timeout(120)
def test_cancel_stops_a_real_mapping():
    explorer = CycleExplorer(coefficients="1 1 0 0")
    seen = []
    original = explorer.runner._report

    def slow_report(done, total):
        seen.append(done)
        original(done, total)
        explorer.runner.cancel()  # as if the user clicked Cancel during the run

    explorer.runner._report = slow_report
    explorer.source.value = "random primitive"  # degree 8: 64 tasks
    explorer.wait()
    assert "cancelled" in explorer.runner.message.value
    assert explorer.enumerated is None and len(seen) >= 1


@pytest.mark.timeout(300)
def test_scheduling_bench_runs_schedules_side_by_side():
    bench = SchedulingBench(register="x^d + 1", degree=12, workers=2, batch_size=512,
                            schedules=("sequential", "static", "steal"))
    assert [run.schedule for run in bench.runs] == ["sequential", "static", "steal"]
    assert all(run.cycle_counts == bench.runs[0].cycle_counts for run in bench.runs)
    assert len(bench.load_view.figure.axes) == 9 and len(bench.timeline_view.figure.axes) == 3
    assert "speedup" in bench.table.value and "lambda %" in bench.table.value
    assert bench.runner.progress.value == bench.runner.progress.max
    before = png(bench.timeline_view)
    bench.schedules.value = ("sequential", "queue")
    bench.run()
    bench.wait()
    assert [run.schedule for run in bench.runs] == ["sequential", "queue"]
    assert png(bench.timeline_view) != before and len(bench.load_view.figure.axes) == 6


@pytest.mark.timeout(300)
def test_static_imbalance_preset_reproduces_the_seed():
    bench = SchedulingBench(preset="static imbalance")
    assert bench.registry.value == "manager" and bench.split.value == "off"
    static = next(run for run in bench.runs if run.schedule == "static")
    workers = static.workers
    assert static.imbalance == pytest.approx((workers - 1) * 100.0, abs=1.0)
    assert "idle" in bench.preset_note.value


@pytest.mark.timeout(120)
def test_bench_bad_input_and_no_schedule():
    bench = SchedulingBench(register="x^d + 1", degree=6, schedules=("sequential",), run_now=False)
    bench.field_order.value = 6
    bench.run(background=False)
    assert "not a prime power" in bench.message.value
    bench.field_order.value = 2
    bench.schedules.value = ()
    bench.run(background=False)
    assert "choose at least one schedule" in bench.message.value
    bench.schedules.value = ("sequential",)
    bench.split.value = "on"
    bench.register_kind.value = "x^d + x^(d-1) (singular)"
    bench.run(background=False)
    assert "ValueError" in bench.runner.message.value and "Traceback" not in bench.runner.message.value


def test_explorer_and_bench_carry_a_picture_of_their_state(explorer):
    import base64
    import re

    def images(widget):
        found = re.findall(r'src="data:image/png;base64,([^"]+)"', widget._repr_mimebundle_()["text/html"])
        return [base64.b64decode(data) for data in found]

    assert images(explorer) == [png(explorer.lengths_view), png(explorer.graph_view)]  # non-singular: no tails
    explorer.coefficients.value = "0 1 1 0"  # singular: the tail-depth histogram joins the picture
    explorer.wait()
    assert images(explorer) == [png(explorer.lengths_view), png(explorer.graph_view), png(explorer.tail_view)]
    assert explorer.table.value in explorer._repr_mimebundle_()["text/html"]
    bench = SchedulingBench(register="x^d + 1", degree=8, workers=2, batch_size=64, schedules=("sequential", "queue"))
    assert images(bench) == [png(bench.speedup_view), png(bench.load_view), png(bench.timeline_view)]
