r"""
A register students can click: :class:`RegisterAnimator` draws a binary shift register (its cells
and bits, the taps of a Fibonacci or Galois LFSR, XNOR feedback, or a nonlinear feedback as its
ANF), steps it, and shows beside it the state graph (up to 256 states) with the current state
and its cycle highlighted; the period is counted when the walk closes.

Three parts, each testable alone:

- :class:`AnimatorModel` -- the register, the walk (state, history, output) and the state graph,
  from the register's own ``next_state``; no widget;
- :func:`register_svg` and :func:`state_graph_svg` -- plain drawing functions (matplotlib to
  SVG, text kept as text: cell ``i`` is the element ``cell-i``, the current node is
  ``current-node-<index>``, so a browser can read what is drawn);
- :class:`RegisterAnimator` -- the ipywidgets around them (re-exported by
  :mod:`sage_lfsr.widgets`).

EXAMPLES::

    sage: from sage_lfsr.register_widget import AnimatorModel
    sage: model = AnimatorModel(degree=4, coefficients=[1, 1, 0, 0], state=[1, 0, 0, 0])
    sage: for _ in range(15):
    ....:     model.step()
    sage: model.period, model.state, "".join(map(str, model.output))
    (15, (1, 0, 0, 0), '100010011010111')
"""
from __future__ import annotations

import base64
import html
import io

import ipywidgets as widgets

from sage_lfsr.registers.fsr import FSR
from sage_lfsr.registers.lfsr import LFSR, state_index_to_tuple, tuple_to_state_index

KINDS = ("fibonacci", "galois", "xnor", "nonlinear")
#: Largest degree drawn: 2^8 = 256 states in the graph.
MAX_DEGREE = 8


#: What a static picture says under itself: a renderer without a kernel shows the picture, not the widget.
STATIC_CAPTION = "a picture of the widget as it was last drawn (the live widget needs a running kernel)"


def image_tag(data: bytes, mimetype: str, alt: str) -> str:
    r"""
    An HTML ``<img>`` carrying ``data`` (PNG or SVG bytes) inline as a ``data:`` URI.

    EXAMPLES::

        sage: from sage_lfsr.register_widget import image_tag
        sage: image_tag(b"<svg/>", "image/svg+xml", "a drawing")
        '<img alt="a drawing" src="data:image/svg+xml;base64,PHN2Zy8+"/>'
    """
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:{mimetype};base64,{encoded}"/>'


class StaticPicture:
    r"""
    A widget that also carries a picture of its current state, for renderers
    that cannot run widgets (nbconvert's HTML, GitHub, the manual): its rich
    display holds, beside the widget view, ``text/html`` made of the widget's
    text and figures as ``<img>`` elements (:meth:`static_parts`). A front end
    that runs widgets (JupyterLab, Notebook, VS Code) ranks the widget view
    first and shows the live widget.

    EXAMPLES::

        sage: from sage_lfsr.widgets import RegisterAnimator
        sage: bundle = RegisterAnimator(degree=3)._repr_mimebundle_()
        sage: sorted(bundle)
        ['application/vnd.jupyter.widget-view+json', 'text/html', 'text/plain']
        sage: bundle["text/html"].count("<img ")
        2
    """

    def static_parts(self) -> list:
        r"""The picture's parts, top to bottom: HTML fragments (``<img>`` elements for figures)."""
        raise NotImplementedError

    def static_html(self) -> str:
        r"""The picture of the widget's current state, as one HTML fragment."""
        parts = "\n".join(part for part in self.static_parts() if part)
        return (f'<div class="sage-lfsr-static-picture">\n{parts}\n'
                f'<p><small><em>{STATIC_CAPTION}</em></small></p>\n</div>')

    def _repr_mimebundle_(self, **kwargs):
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = self.static_html()
        return bundle


class AnimatorModel:
    r"""
    A binary register and a walk through its states.

    INPUT:

    - ``degree`` -- 1..:data:`MAX_DEGREE`
    - ``kind`` -- ``"fibonacci"``, ``"galois"`` (an LFSR in Galois form), ``"xnor"``
      (Fibonacci with the feedback inverted: constant 1) or ``"nonlinear"``
    - ``coefficients`` -- the taps `c_0, \ldots, c_{d-1}` of the linear kinds (default
      ``1, 1, 0, ...``)
    - ``anf`` -- the feedback of the nonlinear kind (text in ``x0..x{d-1}``)
    - ``state`` -- the first state `(x_0, \ldots, x_{d-1})` (default ``1, 0, ...``)

    The output is `x_0` of each state left behind (the term the register emits).
    """

    def __init__(self, degree=4, kind="fibonacci", coefficients=None, anf="x0 + x1*x2 + x3", state=None):
        if isinstance(degree, bool) or not hasattr(degree, "__index__") or not 1 <= int(degree) <= MAX_DEGREE:
            raise ValueError(f"the animator draws degrees 1..{MAX_DEGREE} (up to 256 states), not {degree!r}")
        degree = int(degree)
        if kind not in KINDS:
            raise ValueError(f"kind is one of {', '.join(KINDS)}, not {kind!r}")
        self.degree, self.kind, self.anf = degree, kind, anf
        self.coefficients = [int(c) & 1 for c in coefficients] if coefficients is not None \
            else [1, 1] + [0] * (degree - 2) if degree >= 2 else [1]
        if len(self.coefficients) != degree:
            raise ValueError(f"a register of degree {degree} has {degree} coefficients, not {len(self.coefficients)}")
        start = tuple(int(b) & 1 for b in state) if state is not None else (1,) + (0,) * (degree - 1)
        if len(start) != degree:
            raise ValueError(f"a state of degree {degree} has {degree} bits, not {len(start)}")
        self._build()
        self.restart(start)

    # ------------------------------------------------------------ the register and its graph

    def _build(self):
        if self.kind == "nonlinear":
            self.register = FSR(self.anf, self.degree)
        elif self.kind == "galois":
            self.register = LFSR(self.coefficients, form="galois")
        elif self.kind == "xnor":
            self.register = LFSR(self.coefficients, constant=1)
        else:
            self.register = LFSR(self.coefficients)
        count = 1 << self.degree
        self.successors = [self.index(self.register.next_state(self.bits(i))) for i in range(count)]

    def bits(self, index) -> tuple:
        return state_index_to_tuple(index, 2, self.degree)

    def index(self, state) -> int:
        return tuple_to_state_index([int(b) for b in state], 2)

    @property
    def feedback_text(self) -> str:
        r"""The feedback as a formula: the ANF, or the linear sum (with ``+ 1`` for XNOR)."""
        if self.kind == "nonlinear":
            return self.register.anf()
        terms = [f"x{i}" for i, c in enumerate(self.coefficients) if c] or ["0"]
        return " + ".join(terms) + (" + 1" if self.kind == "xnor" else "")

    # ------------------------------------------------------------ the walk

    def restart(self, state):
        r"""Start a new walk at ``state`` (after a bit or a tap was changed)."""
        self.walk, self.output, self.period = [self.index(state)], [], None

    @property
    def state(self) -> tuple:
        return self.bits(self.walk[-1])

    @property
    def current(self) -> int:
        return self.walk[-1]

    def step(self):
        r"""One step; when the new state was seen before on this walk, the period is the steps between."""
        self.output.append(self.state[0])
        following = self.successors[self.current]
        if self.period is None and following in self.walk:
            self.period = len(self.walk) - self.walk.index(following)
        self.walk.append(following)

    def back(self):
        if len(self.walk) > 1:
            self.walk.pop()
            self.output.pop()
            if self.period is not None and len(set(self.walk)) == len(self.walk):
                self.period = None

    def reset(self):
        self.restart(self.bits(self.walk[0]))

    def toggle_bit(self, position):
        state = list(self.state)
        state[position] ^= 1
        self.restart(state)

    def toggle_tap(self, position):
        if self.kind == "nonlinear":
            raise ValueError("a nonlinear register has no taps: edit its ANF")
        self.coefficients[position] ^= 1
        state = self.state
        self._build()
        self.restart(state)

    def set_anf(self, text):
        state, previous = self.state, self.anf
        self.anf = text
        try:
            self._build()
        except (ValueError, TypeError):
            self.anf = previous
            self._build()
            raise
        self.restart(state)

    def cycle_of_current(self) -> list:
        r"""The cycle the current state lies on or drains into, in walking order from its entry."""
        seen, position = {}, self.current
        while position not in seen:
            seen[position] = len(seen)
            position = self.successors[position]
        cycle, entry = [position], self.successors[position]
        while entry != position:
            cycle.append(entry)
            entry = self.successors[entry]
        return cycle


# ---------------------------------------------------------------- drawing

def _svg(figure) -> str:
    import matplotlib
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def register_svg(model: AnimatorModel) -> str:
    r"""
    The register as SVG: cells `x_0 .. x_{d-1}` (left to right, element ids ``cell-i`` holding
    the bit), the taps (filled for `c_i = 1`), the feedback into the last cell and the output
    leaving `x_0`; XNOR is written at the adder, a nonlinear feedback as its ANF.

    EXAMPLES::

        sage: from sage_lfsr.register_widget import AnimatorModel, register_svg
        sage: svg = register_svg(AnimatorModel(degree=3, coefficients=[1, 0, 1], state=[0, 1, 1]))
        sage: svg.startswith("<svg"), 'id="cell-2"' in svg, "x0 + x2" in svg
        (True, True, True)
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, Rectangle

    d = model.degree
    figure, axes = plt.subplots(figsize=(1.0 + 0.8 * d, 2.4))
    axes.set_xlim(-1.2, d + 0.6)
    axes.set_ylim(-1.6, 1.4)
    axes.set_aspect("equal")
    axes.axis("off")
    for i, bit in enumerate(model.state):
        axes.add_patch(Rectangle((i, 0), 0.9, 0.9, facecolor="#ffd27f" if bit else "white", edgecolor="black"))
        axes.text(i + 0.45, 0.45, str(bit), ha="center", va="center", fontsize=16, gid=f"cell-{i}")
        axes.text(i + 0.45, 1.05, f"x{i}", ha="center", fontsize=9)
    axes.annotate("", xy=(-1.0, 0.45), xytext=(0, 0.45), arrowprops={"arrowstyle": "->"})
    axes.text(-1.1, 0.75, "out", fontsize=9)
    if model.kind == "nonlinear":
        axes.text(d / 2, -1.2, f"f = {model.feedback_text}", ha="center", fontsize=10, gid="feedback")
        axes.plot([d - 0.1, d + 0.3, d + 0.3, d - 0.1], [0.45, 0.45, -0.8, -0.8], color="black", lw=1)
    else:
        adder_x = d + 0.3
        for i, c in enumerate(model.coefficients):
            axes.add_patch(Circle((i + 0.45, -0.4), 0.12, facecolor="black" if c else "white", edgecolor="black",
                                  gid=f"tap-{i}"))
            if c:
                axes.plot([i + 0.45, i + 0.45], [0, -0.28], color="black", lw=1)
        axes.plot([0.45, adder_x], [-0.8, -0.8], color="black", lw=1)
        axes.plot([adder_x, adder_x, d - 0.1], [-0.8, 0.45, 0.45], color="black", lw=1)
        adder = "XNOR" if model.kind == "xnor" else "XOR"
        form = "Galois form: taps are adders between cells" if model.kind == "galois" else f"{adder} of the taps"
        axes.text(d / 2, -1.3, f"{form}; feedback = {model.feedback_text}", ha="center", fontsize=9, gid="feedback")
    return _svg(figure)


def _layout(model: AnimatorModel):
    r"""Node positions: each cycle on a circle of its own (a grid of them), trees outside it."""
    import math

    count = len(model.successors)
    cycle_of, cycles = {}, []
    for start in range(count):
        if start in cycle_of:
            continue
        path, position = [], start
        while position not in cycle_of and position not in path:
            path.append(position)
            position = model.successors[position]
        if position in path:  # a new cycle
            cycle = path[path.index(position):]
            cycles.append(cycle)
            for node in cycle:
                cycle_of[node] = (len(cycles) - 1, 0)
            path = path[:path.index(position)]
        label, depth = cycle_of[position]
        for node in reversed(path):
            depth += 1
            cycle_of[node] = (label, depth)
    columns = max(1, math.ceil(math.sqrt(len(cycles))))
    positions, members = {}, {}
    for node, (label, depth) in cycle_of.items():
        members.setdefault(label, []).append((depth, node))
    for label, cycle in enumerate(cycles):
        cx, cy = 3.0 * (label % columns), -3.0 * (label // columns)
        radius = 0.35 + 0.06 * len(cycle)
        for k, node in enumerate(cycle):
            angle = 2 * math.pi * k / len(cycle)
            positions[node] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
        tree = sorted(n for d, n in members[label] if d > 0)
        for k, node in enumerate(tree):
            depth = cycle_of[node][1]
            angle = 2 * math.pi * (k + 0.5) / max(1, len(tree))
            r = radius + 0.35 * depth
            positions[node] = (cx + r * math.cos(angle), cy + r * math.sin(angle))
    return positions


def state_graph_svg(model: AnimatorModel) -> str:
    r"""
    The state graph as SVG: every state a node (``node-<index>``), an edge to its successor, the
    current state's cycle in orange and the current state red (``current-node-<index>``).

    EXAMPLES::

        sage: from sage_lfsr.register_widget import AnimatorModel, state_graph_svg
        sage: model = AnimatorModel(degree=3, coefficients=[1, 1, 0], state=[1, 0, 0])
        sage: svg = state_graph_svg(model)
        sage: 'id="current-node-1"' in svg, svg.count('id="node-')
        (True, 7)
    """
    import matplotlib.pyplot as plt

    positions = _layout(model)
    cycle = set(model.cycle_of_current())
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.axis("off")
    axes.set_aspect("equal")
    small = len(positions) <= 32
    for node, (x, y) in positions.items():
        tx, ty = positions[model.successors[node]]
        axes.annotate("", xy=(tx, ty), xytext=(x, y),
                      arrowprops={"arrowstyle": "->", "color": "#999999", "lw": 0.6, "shrinkA": 4, "shrinkB": 4})
    for node, (x, y) in positions.items():
        if node == model.current:
            continue
        colour = "#ff9f1c" if node in cycle else "#cccccc"
        axes.scatter([x], [y], s=120 if small else 30, color=colour, edgecolors="black", linewidths=0.4, zorder=3,
                     gid=f"node-{node}")
        if small:
            axes.text(x, y, str(node), ha="center", va="center", fontsize=7, zorder=4)
    x, y = positions[model.current]
    axes.scatter([x], [y], s=220 if small else 80, color="#d62828", edgecolors="black", zorder=5,
                 gid=f"current-node-{model.current}")
    if small:
        axes.text(x, y, str(model.current), ha="center", va="center", fontsize=7, color="white", zorder=6)
    title = f"{len(positions)} states; current {model.current}, on a cycle of length {len(cycle)}" \
        if model.current in cycle else f"{len(positions)} states; current {model.current} drains into a cycle of length {len(cycle)}"
    axes.set_title(title, fontsize=9)
    return _svg(figure)


# ---------------------------------------------------------------- the widget

class RegisterAnimator(StaticPicture, widgets.VBox):
    r"""
    The clickable register: kind and degree, one toggle per cell (its bit) and per tap (or
    the ANF of a nonlinear feedback), step / back / reset / run (with its speed), the output
    stream, the period once the walk closes, the register drawn and its state graph beside it.

    EXAMPLES::

        sage: from sage_lfsr.widgets import RegisterAnimator
        sage: animator = RegisterAnimator(degree=4, coefficients=[1, 1, 0, 0])
        sage: animator.tap_buttons[2].value = True      # what a click on tap c2 does
        sage: for _ in range(5):
        ....:     animator.step_button.click()
        sage: animator.model.coefficients, animator.model.state
        ([1, 1, 1, 0], (0, 1, 1, 0))
        sage: 'id="current-node-6"' in animator.graph_view.value
        True
    """

    def __init__(self, degree=4, kind="fibonacci", coefficients=None, anf="x0 + x1*x2 + x3", state=None):
        self.model = AnimatorModel(degree, kind, coefficients, anf, state)
        self.kind_menu = widgets.Dropdown(options=list(KINDS), value=kind, description="kind")
        self.degree_slider = widgets.IntSlider(value=degree, min=1, max=MAX_DEGREE, description="degree",
                                               continuous_update=False)
        self.anf_text = widgets.Text(value=anf, description="f =", continuous_update=False)
        self.step_button = widgets.Button(description="step", icon="step-forward")
        self.back_button = widgets.Button(description="back", icon="step-backward")
        self.reset_button = widgets.Button(description="reset", icon="undo")
        self.play = widgets.Play(value=0, min=0, max=10 ** 6, interval=500, description="run")
        self.speed = widgets.IntSlider(value=2, min=1, max=20, description="steps/s")
        self.cell_buttons, self.tap_buttons = [], []
        self.cells_box, self.taps_box = widgets.HBox(), widgets.HBox()
        self.status = widgets.HTML()
        self.register_view, self.graph_view = widgets.HTML(), widgets.HTML()
        self.message = widgets.HTML()
        self.step_button.on_click(lambda _: self._act(self.model.step))
        self.back_button.on_click(lambda _: self._act(self.model.back))
        self.reset_button.on_click(lambda _: self._act(self.model.reset))
        self.play.observe(lambda change: self._act(self.model.step), names="value")
        self.speed.observe(lambda change: setattr(self.play, "interval", int(1000 / change["new"])), names="value")
        self.play.interval = int(1000 / self.speed.value)
        self.kind_menu.observe(self._on_shape, names="value")
        self.degree_slider.observe(self._on_shape, names="value")
        self.anf_text.observe(self._on_anf, names="value")
        super().__init__([
            widgets.HBox([self.kind_menu, self.degree_slider, self.anf_text]),
            widgets.HBox([widgets.Label("bits"), self.cells_box]),
            widgets.HBox([widgets.Label("taps"), self.taps_box]),
            widgets.HBox([self.step_button, self.back_button, self.reset_button, self.play, self.speed]),
            self.message, self.status,
            widgets.HBox([self.register_view, self.graph_view]),
        ])
        self._rebuild_controls()

    def _rebuild_controls(self):
        d = self.model.degree
        self.cell_buttons = [widgets.ToggleButton(description=f"x{i}", layout=widgets.Layout(width="64px"))
                             for i in range(d)]
        for i, button in enumerate(self.cell_buttons):
            button.observe(lambda change, i=i: self._on_cell(i, change), names="value")
        self.cells_box.children = self.cell_buttons
        linear = self.model.kind != "nonlinear"
        self.tap_buttons = [widgets.ToggleButton(value=bool(c), description=f"c{i}",
                                                 layout=widgets.Layout(width="64px"))
                            for i, c in enumerate(self.model.coefficients)] if linear else []
        for i, button in enumerate(self.tap_buttons):
            button.observe(lambda change, i=i: self._act(lambda: self.model.toggle_tap(i)), names="value")
        self.taps_box.children = self.tap_buttons
        self.anf_text.layout.display = None if not linear else "none"
        self._show()

    def _on_cell(self, position, change):
        if self._syncing:
            return
        self._act(lambda: self.model.toggle_bit(position))

    _syncing = False

    def _act(self, action):
        try:
            action()
            self.message.value = ""
        except (ValueError, TypeError) as error:
            self.message.value = f"<span style='color:#b00020'>{str(error)[:300]}</span>"
        self._show()

    def _on_shape(self, change):
        degree, kind = self.degree_slider.value, self.kind_menu.value
        coefficients = (self.model.coefficients + [0] * degree)[:degree]
        try:
            self.model = AnimatorModel(degree, kind, coefficients, self.anf_text.value)
            self.message.value = ""
        except (ValueError, TypeError) as error:
            self.message.value = f"<span style='color:#b00020'>{str(error)[:300]}</span>"
        self._rebuild_controls()

    def _on_anf(self, change):
        if self.model.kind == "nonlinear":
            self._act(lambda: self.model.set_anf(change["new"]))

    def _show(self):
        model = self._syncing_state()
        period = f"period {model.period}" if model.period is not None else "the walk has not closed yet"
        self.status.value = (f"<b>state</b> {''.join(map(str, model.state))} (index {model.current}) &nbsp; "
                             f"<b>steps</b> {len(model.walk) - 1} &nbsp; <b>{period}</b><br>"
                             f"<b>output</b> <code>{''.join(map(str, model.output[-96:]))}</code>")
        self.register_view.value = register_svg(model)
        self.graph_view.value = state_graph_svg(model)

    def _syncing_state(self):
        self._syncing = True
        try:
            for button, bit in zip(self.cell_buttons, self.model.state):
                button.value = bool(bit)
                button.description = f"x{self.cell_buttons.index(button)}={bit}"
        finally:
            self._syncing = False
        return self.model

    def static_parts(self) -> list:
        r"""The status line, the register and its state graph (SVG drawings as images)."""
        return [self.message.value, self.status.value,
                image_tag(self.register_view.value.encode("utf-8"), "image/svg+xml", "the register"),
                image_tag(self.graph_view.value.encode("utf-8"), "image/svg+xml", "its state graph")]
