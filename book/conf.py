"""Sphinx's configuration of the web book, one edition at a time.

``book/build`` (book/builder.py) writes the edition's settings to a JSON file named by the
environment variable ``NALU_BOOK_SETTINGS`` and runs Sphinx with this folder as the
configuration folder: run ``book/build OUTDIR``, not sphinx-build.
"""

import json
import os
import pathlib

if "NALU_BOOK_SETTINGS" not in os.environ:
    raise RuntimeError("book/conf.py is read by book/build: run `book/build OUTDIR`")
_settings = json.loads(pathlib.Path(os.environ["NALU_BOOK_SETTINGS"]).read_text(encoding="utf-8"))
_language = _settings["language"]

project = _language["title"]
author = "The NALU notebook series authors"
copyright = "2026, " + author
language = _language["sphinx"]
html_search_language = _language["search"]
if _language["search_terms"]:  # words to keep whole (jieba's user dictionary, for Chinese)
    html_search_options = {"dict": str(pathlib.Path(__file__).parent / _language["search_terms"])}
html_title = _language["title"]

extensions = ["myst_nb", "sphinx_external_toc"]
external_toc_path = _settings["toc"]
external_toc_exclude_missing = False

# The notebooks are shown as committed, outputs and all: nothing is executed.
nb_execution_mode = "off"
# $...$ and $$...$$ are math, as in Jupyter.
myst_enable_extensions = ["dollarmath", "amsmath"]
# No widget JavaScript from a CDN: a widget's stored text (notebook 06 says where the widgets
# appear) stands in for it.
nb_ipywidgets_js = {}
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]

# MathJax 3 from the site itself (book/builder.py copies it into _static/mathjax), not a CDN.
mathjax_path = "mathjax/tex-chtml.js"

templates_path = ["_templates"]
html_static_path = _settings["static"]
html_css_files = ["book.css"]
# After searchtools.js (deferred scripts run in order, before the search starts).
html_js_files = [("search-math.js", {"defer": "defer"})]
html_theme = "sphinx_book_theme"
html_sourcelink_suffix = ""  # _sources/NN_name.ipynb, the download button's file
html_copy_source = True
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": f"https://github.com/{_settings['repository']}",
    "repository_branch": _settings["branch"],
    "path_to_docs": _settings["path_to_docs"],
    "use_repository_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "navbar_persistent": [],  # the sidebar has the search field
    "show_toc_level": 2,
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "notebook_interface": "jupyterlab",
    },
}
html_sidebars = {"**": ["navbar-logo.html", "language-switch.html", "search-button-field.html", "sbt-sidebar-nav.html"]}
html_favicon = str(pathlib.Path(__file__).parent / "_static" / "favicon.svg")  # else browsers ask for /favicon.ico
html_context = {
    "default_mode": "light",  # the figures are drawn on white
    "book_language": _language["code"],
    "book_editions": _settings["editions"],
}
