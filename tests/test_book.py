"""The web book (book/build): built from the committed notebooks, checked as files and in a browser.

The book is built once into a temporary folder (about half a minute) and served on 127.0.0.1.
Without a browser: a page per notebook in the series' order, the start page as the landing page,
each page's notebook downloadable byte for byte, nothing loaded from the web, the launch buttons
on the configured repository, and a notebook that would need the network stopping the build.

In headless Chromium (Debian's ``chromium``, driven by Playwright as tests/test_browser.py does;
skipped where either is missing), every page of every edition: no console error and no request
leaving the site, every image loaded, every formula typeset by MathJax (no TeX left in the text),
every link within the site answering 200 (and its ``#anchor`` present), the Binder, Colab and
download buttons opening that page's notebook in the configured repository, and search finding
a term of the edition (:data:`SEARCH_TERMS`).

The editions are the languages whose notebooks are present (book/builder.py's ``LANGUAGES``:
``notebooks/`` in English, ``notebooks/zh/`` in Chinese), and the browser checks are
parametrised over them. A second language is tested now on a small two-language book made here
(:func:`two_language_root`): every check above, the language switch landing on the same
notebook, and search finding Chinese.

An edition's markdown pages (``builder.EXTRA_PAGES``: the Chinese edition's glossary,
``notebooks/zh/glossary.md``) follow its notebooks in the table of contents and pass the same
browser checks, but for the launch buttons, which such a page has none of (it has no notebook):
its download button gives the committed markdown file. The two-language book has a glossary in
Chinese only, so its language switch leads to the English start page, and Chinese search finds
a word only the glossary has; the series' own glossary is checked when it exists.
"""

from __future__ import annotations

import base64
import functools
import http.server
import io
import json
import pathlib
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import nbformat
import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS, _need_a_browser, sync_api

from book import builder
from nalu_lib.classroom import BRANCH, REPOSITORY
from tools import navigation

ROOT = pathlib.Path(__file__).resolve().parents[1]
EDITIONS = builder.editions(ROOT)
PAGES = [
    (lang.code, path.stem)
    for lang in EDITIONS
    for path in builder.notebooks(ROOT, lang) + builder.extra_pages(ROOT, lang)
]
#: What search must find in each edition: the unit's name, and the NAC's name in the seed article.
SEARCH_TERMS = {"en": "NALU", "zh": "神经累加器"}
#: The whole build, well under two minutes on a busy two-core machine.
BUILD_SECONDS = 120
MS = 1000


def _edition(code: str) -> builder.Language:
    return next(lang for lang in builder.LANGUAGES if lang.code == code)


def _notebook_path(lang: builder.Language, page: str) -> str:
    """The notebook's path in the repository, as the launch buttons open it."""
    return "/".join(filter(None, ["notebooks", lang.folder, f"{page}.ipynb"]))


def _page_source(root: pathlib.Path, lang: builder.Language, page: str) -> pathlib.Path | None:
    """The committed file a page of the edition is made from: its notebook, or one of the
    edition's markdown pages; None when the edition has no such page."""
    for path in builder.notebooks(root, lang) + builder.extra_pages(root, lang):
        if path.stem == page:
            return path
    return None


def binder_url(repository: str, lang: builder.Language, page: str) -> str:
    return f"https://mybinder.org/v2/gh/{repository}/{BRANCH}?urlpath=lab/tree/{_notebook_path(lang, page)}"


def colab_url(repository: str, lang: builder.Language, page: str) -> str:
    return f"https://colab.research.google.com/github/{repository}/blob/{BRANCH}/{_notebook_path(lang, page)}"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Site:
    """A built book served on 127.0.0.1: ``url(path)``, ``fetch(path)``."""

    def __init__(self, folder: pathlib.Path, root: pathlib.Path, result: dict):
        self.folder, self.root, self.result = folder, root, result
        self.repository = result["repository"]
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=folder))
        self.base = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self._fetched: dict[str, tuple[int, bytes]] = {}

    def url(self, path: str) -> str:
        return urllib.parse.urljoin(self.base, path)

    def fetch(self, url: str) -> tuple[int, bytes]:
        url = url.split("#", 1)[0]
        if url not in self._fetched:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    self._fetched[url] = (response.status, response.read())
            except urllib.error.HTTPError as error:
                self._fetched[url] = (error.code, b"")
        return self._fetched[url]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _build(root: pathlib.Path, out: pathlib.Path) -> Site:
    result = builder.build(out, root)
    return Site(out, root, result)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The series' book, built into a temporary folder and served."""
    site = _build(ROOT, tmp_path_factory.mktemp("book"))
    yield site
    site.close()


def _png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(2, 1.5), dpi=50)
    axes.plot([0, 1, 2], [0, 1, 4])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _tiny_notebook(markdown: list[str], code: str, png: str | None) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_markdown_cell(text) for text in markdown]
    cell = nbformat.v4.new_code_cell(code, execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="3\n")]
    if png:
        cell.outputs.append(nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}))
    notebook.cells.append(cell)
    return notebook


#: A word of the two-language book's Chinese glossary that none of its notebooks has.
GLOSSARY_ONLY_WORD = "译名"


def two_language_root(folder: pathlib.Path) -> pathlib.Path:
    """A repository with two notebooks in English (``notebooks/``) and in Chinese
    (``notebooks/zh/``): badges, math, a figure, links between the pages and to a repository
    file, as the series' notebooks have them; its pyproject.toml names the configured repository.
    The Chinese edition also has a glossary (``notebooks/zh/glossary.md``, with links to a
    notebook and to the README, a formula and :data:`GLOSSARY_ONLY_WORD`); the English one has
    none."""
    shutil.copy2(ROOT / "pyproject.toml", folder / "pyproject.toml")
    (folder / "README.md").write_text("# A tiny book\n", encoding="utf-8")
    png = _png()
    for lang, up, words in [
        (
            "",
            "..",
            ("Start here", "The neural arithmetic logic unit (NALU) and the neural accumulator", "A first unit"),
        ),
        ("zh", "../..", ("从这里开始", "神经算术逻辑单元（NALU）与神经累加器（NAC）", "第一个单元")),  # noqa: RUF001
    ]:
        notebooks = folder / "notebooks" / lang
        notebooks.mkdir(parents=True)
        edition = _edition(lang or "en")
        for number, name, following in [("00", "00_start_here", "01_a_first_unit"), ("01", "01_a_first_unit", None)]:
            badges = (
                f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(REPOSITORY, edition, name)}) "
                f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                f"({colab_url(REPOSITORY, edition, name)})"
            )
            title = words[0] if number == "00" else words[2]
            markdown = [
                badges,
                f"# {number} · {title}\n\n{words[1]}: $x_1 + x_2$ and $x_1 \\times x_2$.\n\n"
                f"$$\\mathbf{{a}} = \\mathbf{{W}}\\mathbf{{x}}$$\n\nSee [the README]({up}/README.md).",
            ]
            if following:
                markdown.append(f"Next: [{words[2]}]({following}.ipynb).")
            notebook = _tiny_notebook(markdown, "print(1 + 2)", png if number == "01" else None)
            nbformat.write(notebook, notebooks / f"{name}.ipynb")
    glossary = (
        "# 术语表\n\n"
        f"本页列出英文术语的中文{GLOSSARY_ONLY_WORD}（另见[说明](../../README.md)）。\n\n"  # noqa: RUF001
        "| English | 中文 | 首次出现 |\n|---|---|---|\n"
        "| neural accumulator (NAC) | 神经累加器（NAC） | [01](01_a_first_unit.ipynb) |\n\n"  # noqa: RUF001
        "神经累加器计算 $\\mathbf{y} = \\mathbf{x}\\mathbf{W}$。\n"
    )
    (folder / "notebooks" / "zh" / "glossary.md").write_text(glossary, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def two_language_book(tmp_path_factory):
    root = two_language_root(tmp_path_factory.mktemp("two-language-repo"))
    site = _build(root, tmp_path_factory.mktemp("two-language-book"))
    yield site
    site.close()


# --- the files ---------------------------------------------------------------------------------


def test_the_book_builds_quickly_with_a_page_per_notebook(book):
    assert book.result["seconds"] < BUILD_SECONDS, f"the build took {book.result['seconds']:.0f} s"
    assert book.result["repository"] == REPOSITORY
    for lang in EDITIONS:
        pages = [p.stem for p in builder.notebooks(ROOT, lang)]
        extras = [p.stem for p in builder.extra_pages(ROOT, lang)]
        assert book.result["languages"][lang.code] == pages
        assert book.result["extra_pages"][lang.code] == extras
        for page in pages + extras:
            assert (book.folder / lang.code / f"{page}.html").is_file(), page
        # The table of contents, in the series' order, after the start page (the current page),
        # then the edition's markdown pages (the Chinese glossary).
        start = (book.folder / lang.code / f"{builder.START_PAGE}.html").read_text(encoding="utf-8")
        sidebar = start.split('class="bd-links bd-docs-nav"', 1)[1].split("</nav>", 1)[0]
        home, entries = sidebar.split('<ul class="nav bd-sidenav">', 1)
        assert 'href="#"' in home and "bd-sidenav__home-link" in home
        assert re.findall(r'href="(\d\d_[^"#/]+)\.html"', entries) == pages[1:]
        assert re.findall(r'href="([^"#/]+)\.html"', entries) == pages[1:] + extras
    # The landing page leads to the start page.
    landing = (book.folder / "index.html").read_text(encoding="utf-8")
    assert f'url=en/{builder.START_PAGE}.html"' in landing


def test_each_page_offers_its_committed_notebook(book):
    # A markdown page (the Chinese glossary) offers its committed markdown file.
    for lang in EDITIONS:
        for path in builder.notebooks(ROOT, lang) + builder.extra_pages(ROOT, lang):
            copy = book.folder / lang.code / "_sources" / path.name
            assert copy.read_bytes() == path.read_bytes(), f"{copy} is not the committed {path.name}"
            html = (book.folder / lang.code / f"{path.stem}.html").read_text(encoding="utf-8")
            assert f'href="_sources/{path.name}"' in html, f"no download button for {path.name}"


def test_the_site_needs_no_network(book):
    assert (book.folder / "en" / "_static" / "mathjax" / "tex-chtml.js").is_file()
    offsite = re.compile(r"<(?:script|img|link|iframe|source)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    for page in book.folder.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        found = [m.group(0) for m in offsite.finditer(html) if 'rel="canonical"' not in m.group(0)]
        assert not found, f"{page.relative_to(book.folder)} loads from the web: {found}"
    for css in book.folder.rglob("*.css"):
        assert not re.search(r"url\((['\"]?)(?:https?:)?//", css.read_text(encoding="utf-8")), css


def test_launch_buttons_open_each_notebook_in_the_configured_repository(book):
    for lang in EDITIONS:
        for path in builder.notebooks(ROOT, lang):
            html = (book.folder / lang.code / f"{path.stem}.html").read_text(encoding="utf-8")
            binder, colab = binder_url(REPOSITORY, lang, path.stem), colab_url(REPOSITORY, lang, path.stem)
            assert f'href="{binder}"' in html.replace("&amp;", "&"), path.name
            assert f'href="{colab}"' in html.replace("&amp;", "&"), path.name
            if lang.code == "en":  # the same as the notebook's own badges (tools/navigation.py)
                assert (binder, colab) == (navigation.binder_url(path), navigation.colab_url(path))
            launchers = re.findall(
                r"https://(?:mybinder\.org/v2/gh|colab\.research\.google\.com/github)/([^/]+/[^/]+)/", html
            )
            assert launchers and set(launchers) == {REPOSITORY}, set(launchers)
        # A markdown page has no notebook to open: no launch buttons.
        for path in builder.extra_pages(ROOT, lang):
            html = (book.folder / lang.code / f"{path.stem}.html").read_text(encoding="utf-8")
            assert "dropdown-launch-buttons" not in html, path.name
            assert not re.search(r"https://(mybinder\.org|colab\.research\.google\.com)/", html), path.name


def test_the_build_script_runs_from_the_command_line(tmp_path):
    # book/build is what the README shows: a bad call says what is missing, and exits non-zero.
    result = subprocess.run(
        [str(ROOT / "book" / "build")],
        capture_output=True,
        text=True,
        env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2 and "outdir" in result.stderr, result.stderr
    result = subprocess.run(
        [str(ROOT / "book" / "build"), str(tmp_path / "site"), "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1 and "no notebooks" in result.stderr, result.stderr


def _markdown_notebook(folder: pathlib.Path, source: str) -> pathlib.Path:
    shutil.copy2(ROOT / "pyproject.toml", folder / "pyproject.toml")
    (folder / "notebooks").mkdir()
    notebook = _tiny_notebook(["# 00 · Start here", source], "print(1 + 2)", None)
    nbformat.write(notebook, folder / "notebooks" / "00_start_here.ipynb")
    return folder


@pytest.mark.parametrize(
    "source, message",
    [
        ("![a plot](https://example.org/plot.png)", "would need the network"),
        ("[![badge](https://img.shields.io/badge/x-y-blue)](https://example.org)", "would need the network"),
        ("See [the notes](../NOTES.md).", "leads to no file"),
        ("![a figure](figures/missing.png)", "does not exist"),
    ],
)
def test_a_notebook_the_book_cannot_show_offline_stops_the_build(tmp_path, source, message):
    root = _markdown_notebook(tmp_path, source)
    with pytest.raises(builder.BuildError, match=message) as error:
        builder.stage(root, builder.LANGUAGES[0], tmp_path / "stage", REPOSITORY)
    assert "notebooks/00_start_here.ipynb cell 1" in str(error.value)


def test_links_and_badges_are_rewritten_for_the_book_only(tmp_path):
    source = (
        "[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/x) "
        "See [the README](../README.md#two-commands), [notebook 00](00_start_here.ipynb), "
        "[the paper](https://arxiv.org/abs/1808.00508), `[not a link](../missing.md)`, "
        "[the `README` file](../README.md)."
    )
    root = _markdown_notebook(tmp_path, source)
    (root / "README.md").write_text("# README\n", encoding="utf-8")
    builder.stage(root, builder.LANGUAGES[0], tmp_path / "stage", REPOSITORY)
    staged = json.loads((tmp_path / "stage" / "00_start_here.ipynb").read_text(encoding="utf-8"))
    assert staged["cells"][1]["source"] == (
        "[![Binder](_bundled/binder-badge.svg)](https://mybinder.org/v2/gh/x) "
        f"See [the README](https://github.com/{REPOSITORY}/blob/{BRANCH}/README.md#two-commands), "
        "[notebook 00](00_start_here.ipynb), [the paper](https://arxiv.org/abs/1808.00508), "
        f"`[not a link](../missing.md)`, [the `README` file](https://github.com/{REPOSITORY}/blob/{BRANCH}/README.md)."
    )
    assert (tmp_path / "stage" / "_toc.yml").read_text(encoding="utf-8") == "root: 00_start_here\nentries:\n"
    # The committed notebook is untouched.
    assert "badge_logo.svg" in (root / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8")


def test_a_glossary_is_staged_after_the_notebooks_with_its_links_rewritten(tmp_path):
    # notebooks/zh/glossary.md: its links are rewritten as a notebook cell's are, a link to a
    # notebook of the edition stays a page link, and it comes last in the table of contents.
    root = two_language_root(tmp_path)
    glossary = root / "notebooks" / "zh" / "glossary.md"
    committed = glossary.read_text(encoding="utf-8") + (
        "\n[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/x) "
        "[说明](../../README.md#two-commands) [从这里开始](00_start_here.ipynb#a) `[不是链接](../missing.md)`\n"
    )
    glossary.write_text(committed, encoding="utf-8")
    zh = _edition("zh")
    assert builder.extra_pages(root, zh) == [glossary] and builder.extra_pages(root, _edition("en")) == []
    names = builder.stage(root, zh, tmp_path / "stage", REPOSITORY)
    assert names == ["00_start_here", "01_a_first_unit", "glossary"]
    staged = (tmp_path / "stage" / "glossary.md").read_text(encoding="utf-8")
    assert staged == committed.replace("https://mybinder.org/badge_logo.svg", "_bundled/binder-badge.svg").replace(
        "](../../README.md", f"](https://github.com/{REPOSITORY}/blob/{BRANCH}/README.md"
    )
    assert f"[说明](https://github.com/{REPOSITORY}/blob/{BRANCH}/README.md#two-commands)" in staged
    assert "[01](01_a_first_unit.ipynb)" in staged
    assert (tmp_path / "stage" / "_toc.yml").read_text(encoding="utf-8") == (
        "root: 00_start_here\nentries:\n  - file: 01_a_first_unit\n  - file: glossary\n"
    )
    assert glossary.read_text(encoding="utf-8") == committed  # the committed page is untouched
    # A glossary that would need the network, or links to a missing file, stops the build.
    glossary.write_text("# 术语表\n\n见[笔记](../NOTES.md)。\n", encoding="utf-8")
    with pytest.raises(builder.BuildError, match="leads to no file") as error:
        builder.stage(root, zh, tmp_path / "stage-2", REPOSITORY)
    assert "notebooks/zh/glossary.md" in str(error.value)


# --- in a browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    _need_a_browser()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


#: Visible text that is TeX MathJax did not typeset: $...$, \(...\), \[...\], \begin{...}.
RAW_TEX = re.compile(r"\$[^$\s][^$]*\$|\\\(|\\\[|\\begin\{")

#: The page's prose as a reader sees it, without code, outputs and typeset math.
PROSE_JS = """() => {
    const main = document.querySelector('main article, [role="main"]').cloneNode(true);
    main.querySelectorAll('pre, code, .cell_output, .output, mjx-container, script, style').forEach(e => e.remove());
    return main.innerText;
}"""

#: Typesets the page's math (MathJax's own promise), loads every image, then reports.
REPORT_JS = """async () => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
    const images = [...document.images];
    for (const img of images) { img.loading = 'eager'; try { await img.decode(); } catch (e) {} }
    const math = [...document.querySelectorAll('[role="main"] .math')];
    return {
        images: images.map(img => ({src: img.currentSrc || img.src, width: img.naturalWidth})),
        math: math.length,
        untypeset: math.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
        typeset: document.querySelectorAll('mjx-container').length,
        links: [...document.querySelectorAll('a[href], link[href]')].map(a => a.href),
        resources: [...document.querySelectorAll('script[src], img[src]')].map(e => e.src),
        launch: Object.fromEntries([...document.querySelectorAll('.dropdown-launch-buttons a')]
            .map(a => [a.textContent.trim(), a.href])),
        download: [...document.querySelectorAll('.dropdown-download-buttons a')].map(a => a.href),
        switch: Object.fromEntries([...document.querySelectorAll('.book-language-switch a')]
            .map(a => [a.dataset.language, a.href])),
    };
}"""


def _open(browser, site: Site, path: str):
    """A new page at ``path``, with its console errors, failed requests and requests that left
    the site recorded in ``page.problems`` (those requests are refused: the site must not need them)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    host = urllib.parse.urlparse(site.base).netloc

    def route(request_route):
        url = request_route.request.url
        if urllib.parse.urlparse(url).netloc in (host, "") or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            problems.append(f"request off the site: {url}")
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url} {request.failure}"))
    page.goto(site.url(path), wait_until="load")
    return page, problems


def _has_math(path: pathlib.Path) -> bool:
    """Whether the markdown of a notebook (its markdown cells) or of a markdown page has a formula."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```|`[^`\n]*`", "", text, flags=re.S)
    return bool(re.search(r"\$[^$\s][^$]*\$", text))


def check_page(browser, site: Site, lang: builder.Language, page_name: str) -> dict:
    """Every check of one page of the book (the module's docstring lists them); returns the
    page's report. A markdown page (the glossary) has no launch buttons, and its download button
    gives the committed markdown file."""
    source = _page_source(site.root, lang, page_name)
    assert source is not None, f"no notebook or markdown page {page_name} in the {lang.code} edition"
    is_notebook = source.suffix == ".ipynb"
    page, problems = _open(browser, site, f"{lang.code}/{page_name}.html")
    try:
        report = page.evaluate(REPORT_JS)
        prose = page.evaluate(PROSE_JS)
    finally:
        page.close()
    assert not problems, "\n".join(problems)
    # Figures.
    if is_notebook:
        assert report["images"], "no image on the page (the badges at least)"
    broken = [image["src"] for image in report["images"] if image["width"] == 0]
    assert not broken, f"images not loaded: {broken}"
    # Formulas: every one typeset, none left as TeX.
    assert not report["untypeset"], f"formulas MathJax did not typeset: {report['untypeset']}"
    if _has_math(source):
        assert report["math"] > 0 and report["typeset"] >= report["math"], report
    raw = RAW_TEX.findall(prose)
    assert not raw, f"TeX left in the text: {raw[:5]}"
    # Links within the site answer, and their anchors exist.
    for url in sorted(set(report["links"] + report["resources"])):
        if not url.startswith(site.base):
            continue
        status, body = site.fetch(url)
        assert status == 200, f"{url} answered {status}"
        fragment = urllib.parse.urlparse(url).fragment
        if fragment and url.split("#")[0].endswith(".html"):
            anchor = urllib.parse.unquote(fragment)
            assert f'id="{anchor}"'.encode() in body, f"{url}: no #{anchor} on that page"
    # Launch buttons: this notebook, in the configured repository (none on a markdown page).
    launchers = [
        url for url in report["links"] if re.match(r"https://(mybinder\.org|colab\.research\.google\.com)/", url)
    ]
    if is_notebook:
        assert report["launch"] == {
            "Binder": binder_url(site.repository, lang, page_name),
            "Colab": colab_url(site.repository, lang, page_name),
        }, report["launch"]
        wrong = [url for url in launchers if f"/{site.repository}/" not in url]
        assert not wrong, f"launch links to another repository: {wrong}"
    else:
        assert report["launch"] == {} and not launchers, (report["launch"], launchers)
    # The download button gives the committed notebook (or markdown page), and nothing else does.
    downloads = [url for url in report["download"] if url.endswith((".ipynb", ".md"))]
    assert len(downloads) == 1 and downloads[0].endswith(source.name), report["download"]
    assert site.fetch(downloads[0]) == (200, source.read_bytes())
    return report


def check_search(browser, site: Site, lang: builder.Language, term: str, expected_pages: set[str]) -> set[str]:
    """Search for ``term`` in the edition ``lang``: results list pages of the book, among them
    ``expected_pages``. Returns the pages found."""
    page, problems = _open(browser, site, f"{lang.code}/search.html?q={urllib.parse.quote(term)}")
    try:
        page.locator("#search-results .search-summary").wait_for(timeout=30 * MS)
        page.wait_for_function(
            "() => !document.querySelector('#search-results').classList.contains('searching')"
            " && document.querySelector('#search-results .search-summary').textContent.trim() !== ''",
            timeout=30 * MS,
        )
        found = page.locator("#search-results ul.search li a").evaluate_all("links => links.map(a => a.href)")
        snippets = page.locator("#search-results ul.search li p.context").all_inner_texts()
    finally:
        page.close()
    assert not problems, "\n".join(problems)
    pages = {urllib.parse.urlparse(url).path.rsplit("/", 1)[-1].removesuffix(".html") for url in found}
    assert expected_pages <= pages, f"search for {term!r} found {sorted(pages)}"
    assert not [s for s in snippets if RAW_TEX.search(s)], f"TeX in the search results: {snippets}"
    return pages


@pytest.mark.parametrize("code, page_name", PAGES, ids=[f"{c}-{p}" for c, p in PAGES])
def test_every_page_in_a_browser(browser, book, code, page_name):
    report = check_page(browser, book, _edition(code), page_name)
    # The language switch leads to the same page in each other edition (its start page when that
    # notebook is not translated, or for the Chinese glossary, which the English edition lacks); a
    # book in one language has no switch.
    expected = {}
    for other in EDITIONS:
        if other.code != code:
            target = page_name if _page_source(ROOT, other, page_name) else builder.START_PAGE
            expected[other.code] = book.url(f"{other.code}/{target}.html")
    assert report["switch"] == expected, report["switch"]


def test_the_site_opens_on_the_start_page(browser, book):
    page, problems = _open(browser, book, "")
    try:
        page.wait_for_url(f"**/en/{builder.START_PAGE}.html", timeout=30 * MS)
        assert page.locator("h1").first.inner_text().startswith("00 ·")
    finally:
        page.close()
    assert not problems, problems


@pytest.mark.parametrize("code", [lang.code for lang in EDITIONS])
def test_search_finds_the_series_terms(browser, book, code):
    lang = _edition(code)
    pages = {p.stem for p in builder.notebooks(ROOT, lang)}
    # Every notebook from 03 on is about the NALU or the units after it: search lists several.
    expected = {"00_start_here", "03_the_nalu_learns_multiplication"} if code == "en" else set()
    check_search(browser, book, lang, SEARCH_TERMS[code], expected or pages)


def test_a_second_language_is_built_switched_and_searched(browser, two_language_book):
    site = two_language_book
    assert list(site.result["languages"]) == ["en", "zh"]
    assert site.result["languages"]["zh"] == ["00_start_here", "01_a_first_unit"]  # the notebooks only
    for code in ("en", "zh"):
        lang = _edition(code)
        for name in ("00_start_here", "01_a_first_unit"):
            report = check_page(browser, site, lang, name)
            other = "zh" if code == "en" else "en"
            assert report["switch"] == {other: site.url(f"{other}/{name}.html")}
    # Chinese pages say so (search and hyphenation follow the page's language).
    assert '<html lang="zh-CN"' in (site.folder / "zh" / "00_start_here.html").read_text(encoding="utf-8")
    # The switch, clicked, opens the same notebook in the other language.
    page, problems = _open(browser, site, "en/01_a_first_unit.html")
    try:
        page.locator('.book-language-switch a[data-language="zh"]').first.click()
        page.wait_for_url("**/zh/01_a_first_unit.html")
        assert "第一个单元" in page.locator("h1").first.inner_text()
    finally:
        page.close()
    assert not problems, problems
    check_search(browser, site, _edition("en"), "NALU", {"00_start_here", "01_a_first_unit"})
    check_search(browser, site, _edition("zh"), "神经累加器", {"00_start_here", "01_a_first_unit"})


def test_a_glossary_page_is_built_listed_switched_and_searched(browser, two_language_book):
    site = two_language_book
    assert site.result["extra_pages"] == {"en": [], "zh": ["glossary"]}
    assert not (site.folder / "en" / "glossary.html").exists()
    # In the Chinese table of contents, after the notebooks, on every page (the current page's
    # own entry links to "#").
    for name in ("00_start_here", "01_a_first_unit", "glossary"):
        html = (site.folder / "zh" / f"{name}.html").read_text(encoding="utf-8")
        sidebar = html.split('class="bd-links bd-docs-nav"', 1)[1].split("</nav>", 1)[0]
        hrefs = re.findall(r'href="([^"]*)"', sidebar)
        listed = [name if href == "#" else href.removesuffix(".html") for href in hrefs]
        assert listed == ["00_start_here", "01_a_first_unit", "glossary"], (name, hrefs)
    # The same browser checks as a notebook's page: no console error, every link and anchor
    # answering, the formula typeset, the committed file to download, and no launch buttons.
    report = check_page(browser, site, _edition("zh"), "glossary")
    assert report["math"] >= 1 and report["typeset"] >= report["math"], report
    assert site.url("zh/01_a_first_unit.html") in report["links"], "the glossary's link to notebook 01"
    # The English edition has no glossary: the switch leads to its start page.
    assert report["switch"] == {"en": site.url(f"en/{builder.START_PAGE}.html")}, report["switch"]
    page, problems = _open(browser, site, "zh/glossary.html")
    try:
        assert page.locator("h1").first.inner_text().startswith("术语表")
        page.locator('.book-language-switch a[data-language="en"]').first.click()
        page.wait_for_url(f"**/en/{builder.START_PAGE}.html")
    finally:
        page.close()
    assert not problems, problems
    # Chinese search finds a word that only the glossary has, on the glossary alone.
    found = check_search(browser, site, _edition("zh"), GLOSSARY_ONLY_WORD, {"glossary"})
    assert found == {"glossary"}, found
