r"""
ipywidgets front-ends wired to :mod:`sage_lfsr.plot`, for the notebooks.

- :class:`CycleExplorer` -- pick a register (coefficients, a polynomial in Sage
  syntax, or a random primitive one) and see its factored characteristic
  polynomial, predicted against enumerated cycle structure, the cycle lengths,
  the state-transition graph (small registers) and the tail depths (singular ones);
- :class:`SchedulingBench` -- run one register under several schedules side by
  side and compare per-worker load, task timelines, speedup and imbalance.

Data flow::

    widget values --read_register--> LFSR --predict_cycles--> table
                                       |
                                       +--plan (main thread: Sage)--> Plan
                                                                       |
                                       BackgroundRun(run, progress, cancel)--> CycleMap
                                                                                  |
                               plot.* Figure --figure_png--> ipywidgets.Image  <--+

Long mappings run in a background thread; an ``IntProgress`` follows the
``progress`` callback of :func:`~sage_lfsr.engine.mapper.run` and a Cancel button
sets the ``threading.Event`` passed as ``cancel``. Bad input and failed runs are
shown as a short message in the widget, never as a traceback. Figures are shown
as PNG ``Image`` widgets built once and updated in place.

EXAMPLES::

    sage: from sage_lfsr.widgets import CycleExplorer
    sage: explorer = CycleExplorer(coefficients="1 1 0 0")
    sage: explorer.enumerated.cycle_counts
    {1: 1, 15: 1}
    sage: explorer.coefficients.value = "1 1 1 1"
    sage: explorer.wait()
    sage: explorer.enumerated.cycle_counts
    {1: 1, 5: 3}
"""
from __future__ import annotations

import html
import math
import threading
import time

import ipywidgets as widgets

from sage_lfsr import plot
from sage_lfsr.common.errors import MappingCancelled
from sage_lfsr.register_widget import StaticPicture, image_tag

#: The explorer enumerates state spaces up to this size.
EXPLORER_MAX_STATES = 1 << 20
#: The scheduling bench runs state spaces up to this size.
BENCH_MAX_STATES = 1 << 24
#: Steps of the progress bar a mapping is cut into (through its batch size).
PROGRESS_STEPS = 64
SOURCES = ("coefficients", "polynomial", "random primitive", "nonlinear (ANF)")
#: What the explorer says in place of a prediction for a nonlinear register.
NO_PREDICTION = ("nonlinear register: there is no prediction (the theory covers linear registers only); "
                 "the cycles below come from enumeration alone")


class InputError(ValueError):
    r"""Widget input that does not describe a register; the message is shown as is."""


def message_html(text, kind="error") -> str:
    r"""
    ``text`` as a short coloured HTML paragraph (``kind``: ``"error"``, ``"note"`` or ``"ok"``).

    EXAMPLES::

        sage: from sage_lfsr.widgets import message_html
        sage: message_html("q = 6 <bad>")
        '<p class="sage-lfsr-error" style="color:#b00020"><b>Error:</b> q = 6 &lt;bad&gt;</p>'
    """
    colour, prefix = {"error": ("#b00020", "<b>Error:</b> "), "note": ("#555555", ""), "ok": ("#1b5e20", "")}[kind]
    return f'<p class="sage-lfsr-{kind}" style="color:{colour}">{prefix}{html.escape(str(text))}</p>'


def error_text(error) -> str:
    r"""
    One line for the output area: the error's type and the first line of its message.

    EXAMPLES::

        sage: from sage_lfsr.widgets import error_text
        sage: error_text(MemoryError("too big\nmore"))
        'MemoryError: too big'
    """
    first_line = str(error).splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__


def read_register(field_order, degree=None, source="coefficients", coefficients="", polynomial="", seed=None,
                  max_states=EXPLORER_MAX_STATES, constant="0", form="fibonacci", anf=""):
    r"""
    The register that widget values describe.

    INPUT:

    - ``field_order`` -- `q`, a prime power
    - ``degree`` -- the degree (used by ``source="random primitive"``)
    - ``source`` -- ``"coefficients"``, ``"polynomial"`` or ``"random primitive"``
    - ``coefficients`` -- `c_0, \ldots, c_{d-1}` as integers (integer
      representations of field elements) separated by spaces or commas
    - ``polynomial`` -- the characteristic polynomial in Sage syntax (``x``; in
      `GF(p^m)` the generator is ``z``)
    - ``seed`` -- the seed of the random draw (``None``: a new draw)
    - ``max_states`` -- the largest state space accepted
    - ``constant`` -- `b` of an affine (XNOR) register, as text: an integer
      representation or an expression in ``z`` (default: ``"0"``)
    - ``form`` -- ``"fibonacci"`` (default) or ``"galois"``
    - ``anf`` -- for ``source="nonlinear (ANF)"``: the feedback in ``x0..x{d-1}``
      (``degree`` variables), as :class:`~sage_lfsr.registers.fsr.FSR` reads it

    OUTPUT: an :class:`~sage_lfsr.registers.lfsr.LFSR`; bad input raises :class:`InputError`
    with a message meant for the user

    EXAMPLES::

        sage: from sage_lfsr.widgets import read_register
        sage: read_register(2, source="coefficients", coefficients="1, 1, 0, 0")
        LFSR of degree 4 over GF(2) with characteristic polynomial x^4 + x + 1
        sage: read_register(3, source="polynomial", polynomial="x^2 + 1")
        LFSR of degree 2 over GF(3) with characteristic polynomial x^2 + 1
        sage: read_register(2, 6, source="random primitive", seed=1).degree
        6
        sage: read_register(4, coefficients="1 2", constant="z + 1", form="galois")
        LFSR of degree 2 over GF(4) with characteristic polynomial x^2 + z*x + 1, constant z + 1, Galois form
        sage: read_register(2, 3, source="nonlinear (ANF)", anf="x0 + x1*x2")
        FSR of degree 3 over GF(2) with feedback x0 + x1*x2
        sage: read_register(2, 3, source="nonlinear (ANF)", anf="x0 + x3")
        Traceback (most recent call last):
        ...
        InputError: the feedback uses x3, but a register of degree 3 has x0..x2
        sage: read_register(6, coefficients="1 1")
        Traceback (most recent call last):
        ...
        InputError: the field order q = 6 is not a prime power, so there is no field GF(6)
        sage: read_register(3, coefficients="1 3")
        Traceback (most recent call last):
        ...
        InputError: coefficient c_1 = 3 is outside GF(3): integers stand for field elements 0..2
        sage: read_register(2, coefficients="1 a")
        Traceback (most recent call last):
        ...
        InputError: coefficients are integers separated by spaces or commas, and 'a' is not one
        sage: read_register(2, coefficients="1 " * 30)
        Traceback (most recent call last):
        ...
        InputError: 1073741824 states are more than this view maps (at most 1048576)

    The package's limits apply here too, before any work::

        sage: read_register(65537, coefficients="1")
        Traceback (most recent call last):
        ...
        InputError: q = 65537 is above the largest field order this package maps, 65536 = 2^16 ...
        sage: read_register(2, coefficients="1 " * 10**5)
        Traceback (most recent call last):
        ...
        InputError: 2^100000 states are more than this view maps (at most 1048576)
    """
    from sage_lfsr.registers.lfsr import LFSR

    variant = {"constant": int(constant) if constant.strip().isdigit() else constant, "form": form}
    try:
        if source == "coefficients":
            words = coefficients.replace(",", " ").split()
            if not words:
                raise InputError("type the coefficients c_0 ... c_{d-1}, e.g. 1 1 0 0")
            values = []
            for word in words:
                try:
                    values.append(int(word))
                except ValueError:
                    raise InputError(f"coefficients are integers separated by spaces or commas, "
                                     f"and {word!r} is not one") from None
            _check_size(int(field_order), len(values), max_states)
            return LFSR(values, q=field_order, **variant)
        if source == "polynomial":
            if not polynomial.strip():
                raise InputError("type a characteristic polynomial, e.g. x^4 + x + 1")
            register = LFSR.from_polynomial(polynomial, q=field_order, **variant)
            _check_size(register.field_order, register.degree, max_states)
            return register
        if source == "random primitive":
            from sage_lfsr.theory.prediction import random_primitive_polynomial

            LFSR([1], q=field_order)  # checks q
            if degree is None or int(degree) < 1:
                raise InputError(f"the degree must be a positive integer, not {degree}")
            _check_size(int(field_order), int(degree), max_states)
            return LFSR.from_polynomial(random_primitive_polynomial(int(field_order), int(degree), seed=seed),
                                        **variant)
        if source == "nonlinear (ANF)":
            from sage_lfsr.registers.fsr import FSR

            if not anf.strip():
                raise InputError("type a feedback in x0..x{d-1}, e.g. x0 + x1*x2 + 1")
            _check_size(int(field_order), int(degree), max_states)
            return FSR(anf, int(degree), q=field_order)
        raise InputError(f"unknown source {source!r}: choose one of {', '.join(SOURCES)}")
    except InputError:
        raise
    except (ValueError, TypeError, ArithmeticError, MemoryError) as error:
        raise InputError(str(error).splitlines()[0] if str(error) else type(error).__name__) from None


def _check_size(field_order, degree, max_states):
    from sage_lfsr.common.limits import check_mappable, format_power
    from sage_lfsr.registers.tables import MAX_FIELD_ORDER

    check_mappable(field_order, 1, MAX_FIELD_ORDER)
    if degree * math.log2(max(2, field_order)) > math.log2(max_states):
        raise InputError(f"{format_power(field_order, degree)} states are more than this view maps "
                         f"(at most {max_states})")


class FigureView(widgets.Image):
    r"""
    An ``Image`` widget showing a matplotlib figure; :meth:`show` replaces it in place.

    EXAMPLES::

        sage: from matplotlib.figure import Figure
        sage: from sage_lfsr.widgets import FigureView
        sage: view = FigureView()
        sage: view.show(Figure(figsize=(1, 1)))
        sage: bytes(view.value[:4]), view.layout.display
        (b'\x89PNG', None)
        sage: view.clear(); view.layout.display
        'none'
    """

    def __init__(self, **kwargs):
        super().__init__(format="png", **kwargs)
        self.figure = None
        self.layout.display = "none"

    def show(self, figure):
        self.figure = figure
        self.value = plot.figure_png(figure)
        self.layout.display = None

    def clear(self):
        self.figure = None
        self.layout.display = "none"

    def static_html(self, alt="a figure") -> str:
        r"""The figure shown, as an ``<img>`` element (empty while nothing is shown)."""
        return image_tag(bytes(self.value), "image/png", alt) if self.figure is not None else ""


class BackgroundRun:
    r"""
    Runs a function in a background thread with a progress bar and a Cancel button.

    ``start(work, on_done)`` calls ``work(progress, cancel)`` in a thread, where
    ``progress(done, total)`` feeds the bar and ``cancel`` is a
    ``threading.Event``; then ``on_done(result)`` runs (in that thread). A
    :class:`~sage_lfsr.common.errors.MappingCancelled` or any other exception is shown
    in ``message`` instead. With ``background=False`` the work runs at once, in
    the caller's thread.

    EXAMPLES::

        sage: from sage_lfsr.widgets import BackgroundRun
        sage: runner = BackgroundRun()
        sage: def work(progress, cancel):
        ....:     progress(3, 4)
        ....:     return 42
        sage: results = []
        sage: runner.start(work, results.append); runner.wait()
        sage: results, runner.progress.value, runner.progress.max, runner.progress.bar_style
        ([42], 4, 4, 'success')
    """

    def __init__(self):
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="mapping",
                                            layout=widgets.Layout(width="320px"))
        self.cancel_button = widgets.Button(description="Cancel", icon="stop", disabled=True,
                                            button_style="warning", layout=widgets.Layout(width="100px"))
        self.message = widgets.HTML()
        self.cancel_event = threading.Event()
        self.thread = None
        self.cancel_button.on_click(lambda _: self.cancel())
        self.box = widgets.HBox([self.progress, self.cancel_button, self.message])

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def cancel(self):
        self.cancel_event.set()

    def show_error(self, error):
        r"""Show ``error`` as one line (its type and the first line of its message)."""
        self.message.value = message_html(error_text(error))
        self.progress.bar_style = "danger"

    def _report(self, done, total):
        self.progress.max = max(1, int(total))
        self.progress.value = int(done)

    def _body(self, work, on_done, started):
        try:
            result = work(self._report, self.cancel_event)
        except MappingCancelled:
            self.message.value = message_html("cancelled", "note")
            self.progress.bar_style = "warning"
            return
        except Exception as error:  # shown to the user, never as a traceback
            self.show_error(error)
            return
        finally:
            self.cancel_button.disabled = True
        self.progress.value = self.progress.max
        self.progress.bar_style = "success"
        self.message.value = message_html(f"done in {time.perf_counter() - started:.2f} s", "ok")
        try:
            on_done(result)
        except Exception as error:
            self.message.value = message_html(error_text(error))

    def start(self, work, on_done, background=True):
        r"""Cancel and wait for a run in progress, then start ``work``."""
        if self.running:
            self.cancel()
            self.thread.join()
        self.cancel_event = threading.Event()
        self.progress.value, self.progress.bar_style = 0, ""
        self.message.value = message_html("running ...", "note")
        self.cancel_button.disabled = False
        started = time.perf_counter()
        if background:
            self.thread = threading.Thread(target=self._body, args=(work, on_done, started), daemon=True)
            self.thread.start()
        else:
            self.thread = None
            self._body(work, on_done, started)

    def wait(self, timeout=None):
        r"""Block until the run in progress (if any) ends."""
        if self.thread is not None:
            self.thread.join(timeout)


def _table_html(header, rows) -> str:
    cells = "".join(f"<th style='padding:2px 10px'>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='padding:2px 10px;text-align:right'>{html.escape(str(v))}</td>"
                                     for v in row) + "</tr>" for row in rows)
    return f"<table class='sage-lfsr-table'><tr>{cells}</tr>{body}</table>"


def structure_table_html(predicted, enumerated=None) -> str:
    r"""
    Predicted and enumerated cycle counts per length side by side, as an HTML table.

    EXAMPLES::

        sage: from sage_lfsr import LFSR, predict_cycles
        sage: from sage_lfsr.widgets import structure_table_html
        sage: "<td style='padding:2px 10px;text-align:right'>15</td>" in structure_table_html(
        ....:     predict_cycles(LFSR([1, 1, 0, 0])))
        True
        sage: from sage_lfsr import FSR, map_cycles
        sage: "no prediction" in structure_table_html(None, map_cycles(FSR("x0 + x1*x2", 3)))
        True
    """
    if predicted is None:  # a nonlinear register: enumeration only
        rows = sorted(enumerated.cycle_counts.items()) if enumerated is not None else []
        return _table_html(["cycle length", "enumerated cycles"], rows) + message_html(NO_PREDICTION, "note")
    lengths = sorted(set(predicted.cycle_counts) | set(enumerated.cycle_counts if enumerated else ()))
    rows = []
    for length in lengths:
        expected = predicted.cycle_counts.get(length, 0)
        row = [length, expected]
        if enumerated is not None:
            found = enumerated.cycle_counts.get(length, 0)
            row += [found, "yes" if found == expected else "NO"]
        rows.append(row)
    header = ["cycle length", "predicted cycles"] + (["enumerated cycles", "agree"] if enumerated else [])
    verdict = ""
    if enumerated is not None:
        agree = predicted == enumerated.structure()
        verdict = message_html("prediction and enumeration agree (cycles and tail depths)" if agree
                               else "prediction and enumeration DISAGREE", "ok" if agree else "error")
    return _table_html(header, rows) + verdict


class CycleExplorer(StaticPicture, widgets.VBox):
    r"""
    Explore the cycle structure of one register.

    INPUT (the initial widget values):

    - ``field_order`` -- `q` (default: 2)
    - ``source`` -- ``"coefficients"`` (default), ``"polynomial"``, ``"random primitive"`` or
      ``"nonlinear (ANF)"`` (no prediction: the structure comes from enumeration alone)
    - ``coefficients`` -- `c_0, \ldots, c_{d-1}` (default: ``"1 1 0 0 0 0 1 0"``)
    - ``polynomial`` -- (default: ``"x^8 + x^6 + x^5 + x^4"``)
    - ``degree``, ``seed`` -- for ``"random primitive"`` (``degree`` also for ``"nonlinear (ANF)"``)
    - ``anf`` -- the feedback for ``"nonlinear (ANF)"`` (default: ``"x0 + x1*x2 + x3*x5*x7"``)
    - ``kernel`` -- ``"fast"`` or ``"sage"``
    - ``constant``, ``form`` -- an affine (XNOR) register's `b` (default: ``"0"``)
      and ``"fibonacci"`` (default) or ``"galois"``
    - ``background`` -- (default: ``True``) whether runs after the first use a
      thread (the first runs in the caller's thread, so a notebook shows results
      as soon as the cell ends)

    Changing any input remaps the register (in a background thread).

    EXAMPLES::

        sage: from sage_lfsr.widgets import CycleExplorer
        sage: explorer = CycleExplorer(source="polynomial", polynomial="x^4 + x^3 + x^2")
        sage: explorer.enumerated.tail_depths
        {0: 4, 1: 4, 2: 8}
        sage: explorer.tail_view.figure is not None, explorer.graph_view.figure is not None
        (True, True)
        sage: explorer.field_order.value = 6; explorer.wait()
        sage: "not a prime power" in explorer.message.value
        True
        sage: explorer = CycleExplorer(coefficients="1 0 0 0", constant="1", form="galois")
        sage: explorer.enumerated.cycle_counts, explorer.enumerated.structure() == explorer.predicted
        ({8: 2}, True)
    """

    def __init__(self, field_order=2, source="coefficients", coefficients="1 1 0 0 0 0 1 0",
                 polynomial="x^8 + x^6 + x^5 + x^4", degree=8, seed=1, kernel="fast", background=True,
                 constant="0", form="fibonacci", anf="x0 + x1*x2 + x3*x5*x7"):
        style = {"description_width": "110px"}
        self.field_order = widgets.BoundedIntText(value=field_order, min=0, max=10 ** 6, description="field order q",
                                                  style=style)
        self.source = widgets.ToggleButtons(options=SOURCES, value=source, description="register from", style=style)
        self.coefficients = widgets.Text(value=coefficients, description="c_0 ... c_{d-1}", continuous_update=False,
                                         style=style, layout=widgets.Layout(width="420px"))
        self.polynomial = widgets.Text(value=polynomial, description="polynomial", continuous_update=False,
                                       style=style, layout=widgets.Layout(width="420px"))
        self.anf = widgets.Text(value=anf, description="feedback f(x0..)", continuous_update=False,
                                style=style, layout=widgets.Layout(width="420px"))
        self.degree = widgets.BoundedIntText(value=degree, min=1, max=64, description="degree", style=style)
        self.seed = widgets.IntText(value=seed, description="seed", style=style)
        self.kernel = widgets.Dropdown(options=["fast", "sage"], value=kernel, description="kernel", style=style)
        self.constant = widgets.Text(value=constant, description="constant b", continuous_update=False, style=style)
        self.form = widgets.ToggleButtons(options=["fibonacci", "galois"], value=form, description="form", style=style)
        self.map_button = widgets.Button(description="Map", icon="play", button_style="primary")
        self.message = widgets.HTML()
        self.summary = widgets.HTML()
        self.table = widgets.HTML()
        self.runner = BackgroundRun()
        self.lengths_view = FigureView()
        self.graph_view = FigureView()
        self.tail_view = FigureView()
        self.graph_note = widgets.HTML()
        self.register = self.predicted = self.enumerated = self.successors = None
        self.background = background
        inputs = widgets.VBox([self.field_order, self.source, self.coefficients, self.polynomial, self.anf,
                               widgets.HBox([self.degree, self.seed]), self.constant, self.form, self.kernel,
                               self.map_button])
        super().__init__([inputs, self.message, self.runner.box, self.summary, self.table, self.lengths_view,
                          self.graph_note, self.graph_view, self.tail_view])
        self._show_source_inputs()
        for control in (self.field_order, self.source, self.coefficients, self.polynomial, self.anf, self.degree,
                        self.seed, self.kernel, self.constant, self.form):
            control.observe(self._on_change, names="value")
        self.map_button.on_click(lambda _: self.update())
        self.update(background=False)

    def _show_source_inputs(self):
        source = self.source.value
        self.coefficients.layout.display = None if source == "coefficients" else "none"
        self.polynomial.layout.display = None if source == "polynomial" else "none"
        self.anf.layout.display = None if source == "nonlinear (ANF)" else "none"
        self.seed.layout.display = None if source == "random primitive" else "none"
        self.degree.layout.display = None if source in ("random primitive", "nonlinear (ANF)") else "none"
        # An ANF carries its own constant term and has no Galois form.
        self.constant.layout.display = self.form.layout.display = "none" if source == "nonlinear (ANF)" else None

    def _on_change(self, change):
        self._show_source_inputs()
        self.update()

    def wait(self, timeout=120):
        r"""Block until the mapping in progress (if any) ends."""
        self.runner.wait(timeout)

    def update(self, background=None):
        r"""
        Read the inputs, predict, and map the register (in a thread unless
        ``background=False``). Every error ends here as a message, never as a traceback.
        """
        background = self.background if background is None else background
        self.message.value = ""
        try:
            self._update(background)
        except InputError as error:
            self.message.value = message_html(error)
        except Exception as error:
            self.message.value = message_html(error_text(error))

    def _update(self, background):
        register = read_register(self.field_order.value, self.degree.value, self.source.value,
                                 self.coefficients.value, self.polynomial.value, self.seed.value,
                                 constant=self.constant.value, form=self.form.value, anf=self.anf.value)
        if hasattr(register, "anf"):
            self._describe_nonlinear(register)
        else:
            self._predict(register)
        self._start_map(register, background)

    def _describe_nonlinear(self, register):
        self.register, self.enumerated, self.predicted = register, None, None
        kind = ("invertible: every state lies on a cycle" if register.is_invertible
                else "not invertible: trees of transient states drain into the cycles")
        self.summary.value = (f"<p>{html.escape(repr(register))}<br>{kind}; {register.state_count} states</p>"
                              + message_html(NO_PREDICTION, "note"))
        self.table.value = ""

    def _predict(self, register):
        from sage_lfsr.theory.prediction import factored_characteristic_polynomial, polynomial_order, predict_cycles

        self.register, self.enumerated = register, None
        self.predicted = predict_cycles(register)
        polynomial = register.characteristic_polynomial()
        order = "undefined (c_0 = 0: singular)" if register.is_singular else polynomial_order(polynomial)
        if register.is_affine:
            order = f"{order} for the linear part; with the constant the period is {self.predicted.period}"
        self.summary.value = (
            f"<p>{html.escape(repr(register))}<br>"
            f"characteristic polynomial factored: <code>{html.escape(str(factored_characteristic_polynomial(register)))}</code>"
            f"<br>order of the polynomial (the period): {order}; {register.state_count} states</p>")
        self.table.value = structure_table_html(self.predicted)

    def _start_map(self, register, background):
        # Sage (PARI above all) must stay in the main thread: plan here, run the plan in the thread.
        from sage_lfsr.engine.mapper import run
        from sage_lfsr.engine.planning import plan

        self.successors = (plot.successor_table(register) if register.state_count <= plot.MAX_GRAPH_STATES
                           else None)
        decided = plan(register, kernel=self.kernel.value, batch_size=max(1, register.state_count // PROGRESS_STEPS))
        if decided.kernel == "sage" and register.field_order > 2:
            # Sage builds GF(p^m) and GF(p) > 2 with PARI, which is not safe outside the main thread.
            background = False

        def work(progress, cancel):
            return run(decided, progress=progress, cancel=cancel)

        self.runner.start(work, self._show_map, background=background)

    def static_parts(self) -> list:
        r"""What the explorer shows: message, description, structure table, the figures drawn."""
        return [self.message.value, self.summary.value, self.table.value,
                self.lengths_view.static_html("cycle lengths"), self.graph_note.value,
                self.graph_view.static_html("state-transition graph"), self.tail_view.static_html("tail depths")]

    def _show_map(self, cycle_map):
        self.enumerated = cycle_map
        self.table.value = structure_table_html(self.predicted, cycle_map)
        structures = {"enumerated": cycle_map} if self.predicted is None else {"predicted": self.predicted,
                                                                                "enumerated": cycle_map}
        self.lengths_view.show(plot.cycle_length_figure(structures))
        if cycle_map.state_count <= plot.MAX_GRAPH_STATES:
            self.graph_note.value = ""
            register = self.register
            described = (f"feedback {register.anf()}" if hasattr(register, "anf")
                         else f"characteristic polynomial {register.characteristic_polynomial()}")
            self.graph_view.show(plot.transition_graph_figure(self.successors,
                                                              title=f"state transitions, {described}"))
        else:
            self.graph_view.clear()
            self.graph_note.value = message_html(
                f"the state-transition graph is drawn for at most {plot.MAX_GRAPH_STATES} states", "note")
        if cycle_map.is_singular:
            self.tail_view.show(plot.tail_depth_figure(cycle_map))
        else:
            self.tail_view.clear()


#: Named settings of :class:`SchedulingBench`, each with a line that says what it shows.
PRESETS = {
    "custom": {"note": "your own settings"},
    "static imbalance": {
        "note": "one long cycle (primitive register) handed out whole: Manager registry, no splitting, the "
                "cycle one piece of work; static leaves the other workers idle, lambda = (W - 1) * 100 %",
        "register": "random primitive", "degree": 16, "workers": 2, "batch_size": 1 << 16,
        "schedules": ("sequential", "static", "steal", "hybrid"), "registry": "manager", "split": "off"},
    "split evens it out": {
        "note": "the same long cycle split into segments (jumps ahead), shared registry",
        "register": "random primitive", "degree": 16, "workers": 2, "batch_size": 4096,
        "schedules": ("sequential", "static", "queue", "steal", "hybrid"), "registry": "shared", "split": "auto"},
    "many short cycles": {
        "note": "x^d + 1: many short cycles, easy to balance by handing out whole cycles",
        "register": "x^d + 1", "degree": 16, "workers": 2, "batch_size": 4096,
        "schedules": ("sequential", "static", "steal"), "registry": "shared", "split": "auto"},
}
REGISTERS = ("random primitive", "x^d + 1", "x^d + x^(d-1) (singular)")
SPLITS = {"auto": None, "on": True, "off": False}


def bench_register(kind, degree, field_order=2, seed=1):
    r"""
    A register of the scheduling bench: ``"random primitive"`` (one cycle of
    `q^d - 1` states), ``"x^d + 1"`` (many short cycles) or
    ``"x^d + x^(d-1) (singular)"`` (trees).

    EXAMPLES::

        sage: from sage_lfsr.widgets import bench_register
        sage: bench_register("x^d + 1", 4)
        LFSR of degree 4 over GF(2) with characteristic polynomial x^4 + 1
    """
    if kind == "random primitive":
        return read_register(field_order, degree, "random primitive", seed=seed, max_states=BENCH_MAX_STATES)
    if kind == "x^d + 1":
        return read_register(field_order, source="polynomial", polynomial=f"x^{degree} + 1",
                             max_states=BENCH_MAX_STATES)
    if kind == "x^d + x^(d-1) (singular)":
        return read_register(field_order, source="polynomial", polynomial=f"x^{degree} + x^{degree - 1}",
                             max_states=BENCH_MAX_STATES)
    raise InputError(f"unknown register {kind!r}: choose one of {', '.join(REGISTERS)}")


class SchedulingBench(StaticPicture, widgets.VBox):
    r"""
    Run one register under several schedules and compare how they spread the work.

    INPUT (the initial widget values): ``preset`` (a key of :data:`PRESETS`;
    applied over the other values), ``register`` (one of :data:`REGISTERS`),
    ``degree``, ``field_order``, ``workers``, ``batch_size`` (0: automatic),
    ``schedules``, ``registry``, ``split`` (``"auto"``, ``"on"`` or ``"off"``),
    ``run_now`` (run once while building, in the caller's thread).

    The Run button maps the register under each chosen schedule in a background
    thread (the progress bar counts states over all schedules; Cancel stops it).

    EXAMPLES::

        sage: from sage_lfsr.widgets import SchedulingBench
        sage: bench = SchedulingBench(register="x^d + 1", degree=10, schedules=("sequential", "queue"),
        ....:                         workers=2, batch_size=256)
        sage: [run.schedule for run in bench.runs]
        ['sequential', 'queue']
        sage: len(bench.load_view.figure.axes), len(bench.timeline_view.figure.axes)
        (6, 2)
    """

    def __init__(self, preset="custom", register="random primitive", degree=14, field_order=2, workers=2,
                 batch_size=0, schedules=("sequential", "static", "steal"), registry="shared", split="auto",
                 run_now=True):
        from sage_lfsr.engine.mapper import available_schedules
        from sage_lfsr.engine.planning import default_workers

        style = {"description_width": "110px"}
        self.preset = widgets.Dropdown(options=list(PRESETS), value=preset, description="preset", style=style)
        self.preset_note = widgets.HTML()
        self.register_kind = widgets.Dropdown(options=REGISTERS, value=register, description="register", style=style)
        self.degree = widgets.BoundedIntText(value=degree, min=1, max=40, description="degree", style=style)
        self.field_order = widgets.BoundedIntText(value=field_order, min=0, max=10 ** 6, description="field order q",
                                                  style=style)
        self.workers = widgets.IntSlider(value=workers, min=1, max=max(2, 2 * default_workers()),
                                         description="workers", style=style)
        self.batch_size = widgets.BoundedIntText(value=batch_size, min=0, max=1 << 30, description="batch (0=auto)",
                                                 style=style)
        names = [name for name in available_schedules() if name != "dask"]
        self.schedules = widgets.SelectMultiple(options=names, value=tuple(s for s in schedules if s in names),
                                                description="schedules", style=style, rows=len(names))
        self.registry = widgets.Dropdown(options=["shared", "manager"], value=registry, description="registry",
                                         style=style)
        self.split = widgets.Dropdown(options=list(SPLITS), value=split, description="split long cycles", style=style)
        self.run_button = widgets.Button(description="Run", icon="play", button_style="primary")
        self.message = widgets.HTML()
        self.runner = BackgroundRun()
        self.table = widgets.HTML()
        self.speedup_view = FigureView()
        self.load_view = FigureView()
        self.timeline_view = FigureView()
        self.runs = []
        self.preset.observe(lambda change: self.apply_preset(change["new"]), names="value")
        self.run_button.on_click(lambda _: self.run())
        controls = widgets.VBox([widgets.HBox([self.preset, self.preset_note]),
                                 widgets.HBox([self.register_kind, self.degree, self.field_order]),
                                 widgets.HBox([self.workers, self.batch_size]),
                                 widgets.HBox([self.schedules, widgets.VBox([self.registry, self.split])]),
                                 self.run_button])
        super().__init__([controls, self.message, self.runner.box, self.table, self.speedup_view, self.load_view,
                          self.timeline_view])
        self.apply_preset(preset)
        if run_now:
            self.run(background=False)

    def apply_preset(self, name):
        r"""Set the widgets to the values of preset ``name`` (``"custom"`` changes nothing)."""
        values = PRESETS[name]
        self.preset_note.value = message_html(values["note"], "note")
        for key, control in (("register", self.register_kind), ("degree", self.degree), ("workers", self.workers),
                             ("batch_size", self.batch_size), ("registry", self.registry), ("split", self.split)):
            if key in values:
                control.value = values[key]
        if "schedules" in values:
            self.schedules.value = tuple(s for s in values["schedules"] if s in self.schedules.options)

    def wait(self, timeout=300):
        r"""Block until the runs in progress (if any) end."""
        self.runner.wait(timeout)

    def run(self, background=True):
        r"""
        Map the register under each chosen schedule, then draw the comparison.
        Every error ends here as a message, never as a traceback.
        """
        self.message.value = ""
        if not self.schedules.value:
            self.message.value = message_html("choose at least one schedule")
            return
        try:
            self._run(background)
        except InputError as error:
            self.message.value = message_html(error)
        except Exception as error:
            self.message.value = message_html(error_text(error))

    def _run(self, background):
        register = bench_register(self.register_kind.value, self.degree.value, self.field_order.value)
        schedules = list(self.schedules.value)
        options = {"workers": int(self.workers.value), "registry": self.registry.value,
                   "split": SPLITS[self.split.value]}
        if self.batch_size.value:
            options["batch_size"] = int(self.batch_size.value)
        total = register.state_count * len(schedules)
        # Sage (PARI above all) must stay in the main thread: plan here, run the plans in the thread.
        from sage_lfsr.engine.mapper import run
        from sage_lfsr.engine.planning import plan

        try:
            plans = [plan(register, schedule=schedule, **options) for schedule in schedules]
        except (ValueError, MemoryError) as error:  # planning refused: shown as a failed run would be
            self.runner.show_error(error)
            return

        def work(progress, cancel):
            runs = []
            for number, decided in enumerate(plans):
                done_before = number * register.state_count
                report = (lambda done, _, before=done_before: progress(before + done, total))
                runs.append(run(decided, progress=report, cancel=cancel))
            return runs

        self.runner.start(work, self._show_runs, background=background)

    def static_parts(self) -> list:
        r"""What the bench shows: the preset's note, message, the runs' table and the three figures."""
        return [self.preset_note.value, self.message.value, self.table.value,
                self.speedup_view.static_html("speedup"), self.load_view.static_html("per-worker load"),
                self.timeline_view.static_html("task timelines")]

    def _show_runs(self, runs):
        self.runs = runs
        rows = plot.speedup_rows(runs)
        self.table.value = _table_html(list(rows[0]), [list(row.values()) for row in rows]) if rows else ""
        self.speedup_view.show(plot.speedup_figure(runs))
        self.load_view.show(plot.worker_load_figure(runs))
        self.timeline_view.show(plot.timeline_figure(runs))


from sage_lfsr.register_widget import AnimatorModel, RegisterAnimator  # noqa: E402,F401 - the clickable register
