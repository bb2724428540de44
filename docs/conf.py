r"""
Sphinx configuration of the sage_lfsr manual.

Build it with ``bash scripts/docs.sh`` (``docs/build.py``): that stages the
sources (these pages, the README's sections, docs/*.md, the notebooks executed
with their outputs) and runs Sphinx with ``-W``. Everything is offline: MathJax
comes from the ``jupyter-server-mathjax`` package, the widgets are shown as the
pictures of their state they carry (``text/html``), nothing is fetched.
"""
import re
import sys
import warnings
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

# autodoc reads every attribute of ipywidgets' classes, some of which warn that they are deprecated
warnings.filterwarnings("ignore", r"Widget\.\w+ is deprecated", DeprecationWarning)

project = "sage_lfsr"
author = "the sage_lfsr authors"
copyright = "the sage_lfsr authors"
from sage_lfsr import __version__ as release  # noqa: E402

version = release

extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax", "sphinx.ext.viewcode", "myst_nb"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", "**.ipynb_checkpoints"]
# Sage's convention: `q^d` in a docstring is LaTeX.
default_role = "math"
highlight_language = "sage"
pygments_style = "sphinx"

# The README and docs/*.md write math as plain text; the notebooks use $...$.
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
# Notebooks are executed by docs/build.py (cached); here their stored outputs are rendered.
nb_execution_mode = "off"
nb_ipywidgets_js = {}  # no widget JavaScript from the network: widgets show their static pictures
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_merge_streams = True

autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False,
                           "ignore-module-all": True}  # each object on the page of the module that defines it
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_mock_imports = []

# MathJax 2.7 from the jupyter-server-mathjax package, copied beside the pages (see _copy_mathjax): no network.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
# Jupyter Notebook's own settings for this copy: STIX-Web fonts (the ones it ships), no image fonts.
mathjax2_config = {"tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                               "processEscapes": True, "ignoreClass": "document", "processClass": "math"},
                   "HTML-CSS": {"availableFonts": [], "imageFont": None, "preferredFont": None,
                                "webFont": "STIX-Web"},
                   "menuSettings": {"zoom": "None"}, "showMathMenu": False, "messageStyle": "none"}

html_theme = "alabaster"
html_title = "sage_lfsr manual"
html_static_path = ["_static"]
html_css_files = ["manual.css"]
html_theme_options = {"description": "state spaces of feedback shift registers over GF(q), in SageMath",
                      "page_width": "1180px", "sidebar_width": "240px", "fixed_sidebar": True}
html_sidebars = {"**": ["about.html", "navigation.html", "searchbox.html"]}
html_show_sourcelink = False
suppress_warnings = ["myst.header"]

#: Sage's docstring headings, each rendered as a rubric (the literal block of ``EXAMPLES::`` kept).
SAGE_HEADINGS = {"INPUT": "Input", "OUTPUT": "Output", "EXAMPLES": "Examples", "EXAMPLE": "Example",
                 "TESTS": "Tests", "ALGORITHM": "Algorithm", "REFERENCES": "References", "REFERENCE": "Reference",
                 "NOTE": "Note", "NOTES": "Notes", "WARNING": "Warning"}
SAGE_HEADING = re.compile(r"^(\s*)(" + "|".join(SAGE_HEADINGS) + r")(\s*\([^)]*\))?(::?)(.*)$")


def sage_docstring_to_rst(lines):
    r"""
    Sage's ``INPUT:`` / ``OUTPUT: text`` / ``EXAMPLES::`` headings as rubrics
    (``.. rubric:: Examples``), the ``::`` of a heading kept as a literal block
    marker so its ``sage:`` session is shown as code (highlighted by the
    ``sage`` lexer below); the text after ``OUTPUT:`` and its continuation
    lines (to the next blank line) become one paragraph. Changes ``lines`` in place.
    """
    out, paragraph = [], None
    for line in lines:
        if paragraph is not None:
            indent, text = paragraph
            if line.strip() and len(line) - len(line.lstrip()) >= len(indent) and not SAGE_HEADING.match(line):
                paragraph = (indent, f"{text} {line.strip()}")
                continue
            out += [indent + text] + ([""] if line.strip() else [])
            paragraph = None
        found = SAGE_HEADING.match(line)
        if not found:
            out.append(line)
            continue
        indent, word, note, colons, rest = found.groups()
        title = SAGE_HEADINGS[word] + (f" {note.strip()}" if note else "")
        out += [f"{indent}.. rubric:: {title}", ""]
        if colons == "::":
            out += [f"{indent}::", ""]
        elif rest.strip():
            paragraph = (indent, rest.strip())
    if paragraph is not None:
        out.append(paragraph[0] + paragraph[1])
    lines[:] = out


def _process_docstring(app, what, name, obj, options, lines):
    sage_docstring_to_rst(lines)


def _class_signature(app, what, name, obj, options, signature, return_annotation):
    r"""A widget's signature from its ``__init__`` (traitlets' ``__new__(*args, **kwargs)`` hides it)."""
    import inspect

    if what == "class" and signature == "(*args, **kwargs)" and "__init__" in vars(obj):
        parameters = list(inspect.signature(obj.__init__).parameters.values())[1:]
        return str(inspect.Signature(parameters)), return_annotation
    return None


def _sage_lexer():
    r"""A Pygments lexer for Sage sessions: ``sage:`` and ``....:`` prompts, Python code, output."""
    from pygments.lexer import DelegatingLexer, RegexLexer, bygroups, default
    from pygments.lexers.python import PythonLexer, PythonTracebackLexer
    from pygments.token import Generic, Other, Text, Whitespace

    class SessionLexer(RegexLexer):
        tokens = {
            "root": [
                (r"(sage: )(.*\n)", bygroups(Generic.Prompt, Other.Code), "continuations"),
                (r"(sage:)(\n)", bygroups(Generic.Prompt, Whitespace)),
                (r"Traceback \(most recent call last\):\n", Other.Traceback, "traceback"),
                (r".*\n", Generic.Output),
            ],
            "continuations": [
                (r"(\.\.\.\.: )(.*\n)", bygroups(Generic.Prompt, Other.Code)),
                (r"(\.\.\.\.:)(\n)", bygroups(Generic.Prompt, Whitespace)),
                default("#pop"),
            ],
            "traceback": [
                (r"(?=sage:( |$))", Text, "#pop"),
                (r".*\n", Other.Traceback),
            ],
        }

    class CodeInSession(DelegatingLexer):
        def __init__(self, **options):
            super().__init__(PythonLexer, SessionLexer, Other.Code, **options)

    class SageLexer(DelegatingLexer):
        name = "Sage session"
        aliases = ["sage"]

        def __init__(self, **options):
            super().__init__(PythonTracebackLexer, CodeInSession, Other.Traceback, **options)

    return SageLexer


def _copy_mathjax(app, exception):
    r"""MathJax into ``_static/mathjax`` of the built site (once; 12 MB, about 600 files)."""
    import shutil

    import jupyter_server_mathjax

    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    if not (target / "MathJax.js").exists():
        shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", target, dirs_exist_ok=True)


def setup(app):
    app.connect("autodoc-process-docstring", _process_docstring)
    app.connect("autodoc-process-signature", _class_signature)
    app.connect("build-finished", _copy_mathjax)
    app.add_lexer("sage", _sage_lexer())
    return {"parallel_read_safe": True}
