from setuptools import find_packages, setup

setup(
    name="sage_lfsr",
    version="0.1.0",
    description="Map the state space of linear feedback shift registers over GF(q), in parallel, and predict it",
    long_description=open("README.md").read() if __import__("os").path.exists("README.md") else "",
    long_description_content_type="text/markdown",
    packages=find_packages(include=["sage_lfsr", "sage_lfsr.*"]),
    python_requires=">=3.10",
    install_requires=[
        "passagemath-modules", "passagemath-flint", "passagemath-pari", "passagemath-repl",
        "passagemath-brial",  # BooleanPolynomial feedbacks of FSRs over GF(2)
        "passagemath-m4ri-m4rie",  # Matrix_mod2_dense: the sage kernel's GF(2) step 2x faster
        "numpy", "numba", "matplotlib", "ipywidgets", "tqdm",
        "python-flint>=0.6",  # FLINT's half-gcd Berlekamp-Massey over GF(p) (fmpz_mod_poly minpoly)
    ],
    extras_require={
        "notebook": ["jupyterlab", "ipykernel", "nbclient"],
        "dask": ["dask[distributed]"],
        "graph": ["networkx"],
        "gpu": ["numba-cuda[cu12]"],  # search(..., device="cuda") on an NVIDIA GPU (numba's CUDA target)
        # the manual (bash scripts/docs.sh): Sphinx, MyST pages and notebooks, MathJax served from the package
        "docs": ["sphinx>=8,<10", "myst-nb>=1.1,<2", "jupyter-server-mathjax", "nbclient", "ipykernel"],
        "test": ["pytest", "pytest-timeout", "pytest-xdist", "hypothesis", "psutil", "nbclient", "ipykernel", "playwright",
                 "galois", "networkx"],
    },
    entry_points={"console_scripts": ["sage-lfsr=sage_lfsr.__main__:main"]},
)
