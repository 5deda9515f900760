"""Build the series as a web book: ``book/build OUTDIR``.

Every notebook of ``notebooks/`` (``00_start_here`` to the last), as committed, executed, with its
outputs, becomes a page of a static HTML site, built by Sphinx with myst-nb (which renders a
notebook's cells and stored outputs; nothing is executed again) and the book theme
(sphinx-book-theme). The site needs no network when read: MathJax, the styles, the fonts and every
figure are copied into it. docs/design.md ("The web book") says why this builder.

What the site holds, for each edition (a language whose notebooks are present; see
:data:`LANGUAGES`):

* ``OUTDIR/<lang>/NN_name.html``, a page per notebook, in the series' order (the table of contents
  is made from the notebooks present), the start page ``00_start_here.html`` the landing page
  (``OUTDIR/index.html`` and ``OUTDIR/<lang>/index.html`` lead to it);
* after the notebooks, a page for each of the edition's markdown pages (:data:`EXTRA_PAGES`, such
  as ``notebooks/zh/glossary.md``, the Chinese edition's glossary) that is present; such a page has
  no notebook, so no launch buttons, and its download button gives the committed markdown file;
* on each notebook's page, Binder and Colab buttons that open that notebook from the repository
  named in pyproject.toml (``[project.urls] Repository``, read by
  :data:`nalu_lib.classroom.REPOSITORY`), and a download button for the notebook itself
  (``_sources/NN_name.ipynb``, byte for byte the committed file);
* Sphinx's search (offline: ``search.html`` and ``searchindex.js``; Chinese is indexed with
  jieba);
* when more than one edition is present, a switch on every page that leads to the same page in
  the other language (to its start page when that edition lacks the page).

The English notebooks are ``notebooks/NN_*.ipynb``; a translation lives in ``notebooks/<lang>/``
with the same file names (``notebooks/zh/`` for Chinese), and is built as soon as it exists.

What is changed on the way, in a staging copy of each notebook and markdown page (the download
button gives the committed file):
the Binder and Colab badges' images, which live on those sites, become copies bundled with the
book (``book/_static/``), and a link to a file of the repository that is not a page of the book
(``../README.md``, say) points at that file on GitHub, in the configured repository. A notebook
that shows any other image from the web, or links to a file that does not exist, stops the build.

``tests/test_book.py`` builds the book, checks its files, and opens every page in Chromium.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
STATIC = HERE / "_static"
#: The notebooks of an edition: two digits, an underscore, a name (``00_start_here.ipynb``).
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
#: Markdown pages an edition may have beside its notebooks, in its folder; each one present becomes
#: a page after the last notebook, in this order.
EXTRA_PAGES = ("glossary.md",)
START_PAGE = "00_start_here"
#: What the build imports (requirements-dev.txt installs them).
NEEDS = ("sphinx", "myst_nb", "sphinx_book_theme", "sphinx_external_toc", "nbformat")
BRANCH = "main"


@dataclass(frozen=True)
class Language:
    """One edition of the book: where its notebooks are (relative to ``notebooks/``), Sphinx's
    ``language`` and ``html_search_language``, what the language switch calls it, the book's
    title in it, and the words search must keep whole (a file in book/, or "")."""

    code: str
    folder: str
    sphinx: str
    search: str
    label: str
    title: str
    search_terms: str = ""


#: The editions the build knows, in the order the language switch lists them. An edition is built
#: when its folder holds notebooks. Chinese search splits the text into words with jieba
#: (requirements-dev.txt); the series' terms, which jieba's dictionary lacks, are kept whole by
#: book/zh_search_terms.txt (jieba's user dictionary: a word, a frequency and a part of speech a
#: line), so that a search for 神经累加器 finds it.
LANGUAGES = (
    Language("en", "", "en", "en", "English", "Neural Arithmetic Logic Units, step by step"),
    Language("zh", "zh", "zh_CN", "zh", "简体中文", "神经算术逻辑单元，一步一步", "zh_search_terms.txt"),  # noqa: RUF001
)

#: Images the notebooks load from the web, and the copy the book bundles instead.
BUNDLED_IMAGES = {
    "https://mybinder.org/badge_logo.svg": "binder-badge.svg",
    "https://colab.research.google.com/assets/colab-badge.svg": "colab-badge.svg",
}

#: MathJax 3 (tex-chtml) and what it loads, from the copy the PyPI package sphinx-mathjax-offline
#: ships (its ``static/mathjax`` folder); only these parts are copied into the site.
MATHJAX_PARTS = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "ui", "a11y", "sre")

_LINK_TARGET = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]+)>?((?:\s+\"[^\"]*\")?)\s*\)")
_CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)


class BuildError(RuntimeError):
    """A notebook the book cannot show offline (an image from the web, a link to a missing file),
    or a Sphinx build that failed."""


def repository(root: pathlib.Path = ROOT) -> str:
    """``owner/name`` of the repository the launch buttons open: ``[project.urls] Repository`` of
    ``root``'s pyproject.toml, read as :data:`nalu_lib.classroom.REPOSITORY` reads it."""
    from nalu_lib.classroom import read_repository

    return read_repository(pathlib.Path(root) / "pyproject.toml")


def editions(root: pathlib.Path = ROOT) -> list[Language]:
    """The editions whose notebooks are present under ``root/notebooks``, English first."""
    found = [lang for lang in LANGUAGES if any((root / "notebooks" / lang.folder).glob(NOTEBOOK_GLOB))]
    if not found or found[0].code != "en":
        raise BuildError(f"no notebooks {NOTEBOOK_GLOB} in {root / 'notebooks'}")
    return found


def notebooks(root: pathlib.Path, language: Language) -> list[pathlib.Path]:
    """The notebooks of an edition, in the series' order (by their numbers)."""
    return sorted((root / "notebooks" / language.folder).glob(NOTEBOOK_GLOB))


def extra_pages(root: pathlib.Path, language: Language) -> list[pathlib.Path]:
    """The markdown pages of an edition (:data:`EXTRA_PAGES`) that are present, in their order."""
    folder = root / "notebooks" / language.folder
    return [folder / name for name in EXTRA_PAGES if (folder / name).is_file()]


def _rewrite_markdown(source: str, folder: pathlib.Path, root: pathlib.Path, pages: set[str], repo: str, where: str):
    """The markdown ``source`` of a cell of a notebook (or of a markdown page) in ``folder``, with
    its web images swapped for the bundled copies and its links to repository files that are not
    pages (``pages``: file names) pointed at GitHub."""

    def target(match: re.Match) -> str:
        bang, text, url, title = match.groups()
        if bang:
            if url in BUNDLED_IMAGES:
                url = f"_bundled/{BUNDLED_IMAGES[url]}"
            elif re.match(r"[a-z][a-z0-9+.-]*:", url, re.I):
                raise BuildError(f"{where}: the image {url} would need the network; bundle it (book/builder.py)")
            elif not (folder / url).is_file():
                raise BuildError(f"{where}: the image {url} does not exist")
            return f"![{text}]({url}{title})"
        text = _LINK_TARGET.sub(target, text)  # an image inside a link (a badge)
        if re.match(r"[a-z][a-z0-9+.-]*:", url, re.I) or url.startswith("#"):
            return f"[{text}]({url}{title})"
        path, _, fragment = url.partition("#")
        if path in pages:
            return f"[{text}]({url}{title})"
        resolved = (folder / path).resolve()
        if not resolved.exists() or not resolved.is_relative_to(root.resolve()):
            raise BuildError(f"{where}: the link {url} leads to no file of the repository")
        kind = "tree" if resolved.is_dir() else "blob"
        relative = resolved.relative_to(root.resolve()).as_posix()
        anchor = f"#{fragment}" if fragment else ""
        return f"[{text}](https://github.com/{repo}/{kind}/{BRANCH}/{relative}{anchor}{title})"

    # Code is left as it is, but a link's text may hold code (``[`notebooks/zh/`](zh/...)``): the
    # code spans stand aside as placeholders while the links are rewritten.
    code = []

    def aside(match: re.Match) -> str:
        code.append(match.group(0))
        return f"\x00{len(code) - 1}\x00"

    rewritten = _LINK_TARGET.sub(target, _CODE.sub(aside, source))
    return re.sub(r"\x00(\d+)\x00", lambda match: code[int(match.group(1))], rewritten)


def stage(root: pathlib.Path, language: Language, into: pathlib.Path, repo: str) -> list[str]:
    """Write the staging copy of one edition into ``into``: its notebooks and markdown pages
    (:func:`extra_pages`), their markdown rewritten by :func:`_rewrite_markdown`, the bundled
    images and the table of contents (``_toc.yml``: the notebooks, then the markdown pages).
    Returns the page names, in that order."""
    paths = notebooks(root, language)
    extras = extra_pages(root, language)
    pages = {p.name for p in paths + extras}
    into.mkdir(parents=True)
    (into / "_bundled").mkdir()
    for name in BUNDLED_IMAGES.values():
        shutil.copy2(STATIC / name, into / "_bundled" / name)
    for path in paths:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for index, cell in enumerate(notebook["cells"]):
            if cell["cell_type"] == "markdown":
                source = "".join(cell["source"])
                where = f"{path.relative_to(root)} cell {index}"
                cell["source"] = _rewrite_markdown(source, path.parent, root, pages, repo, where)
        (into / path.name).write_text(json.dumps(notebook, ensure_ascii=False, indent=1), encoding="utf-8")
    for path in extras:
        source = path.read_text(encoding="utf-8")
        where = str(path.relative_to(root))
        (into / path.name).write_text(
            _rewrite_markdown(source, path.parent, root, pages, repo, where), encoding="utf-8"
        )
    names = [p.stem for p in paths]
    if names[0] != START_PAGE:
        raise BuildError(f"the first notebook of {root / 'notebooks' / language.folder} must be {START_PAGE}.ipynb")
    names += [p.stem for p in extras]
    toc = ["root: " + START_PAGE, "entries:"] + [f"  - file: {name}" for name in names[1:]]
    (into / "_toc.yml").write_text("\n".join(toc) + "\n", encoding="utf-8")
    return names


def _mathjax_source() -> pathlib.Path:
    try:
        distribution = importlib.metadata.distribution("sphinx-mathjax-offline")
    except importlib.metadata.PackageNotFoundError:
        raise BuildError("the book needs sphinx-mathjax-offline: pip install -r requirements-dev.txt") from None
    folder = pathlib.Path(distribution.locate_file("sphinx-mathjax-offline/static/mathjax"))
    if not (folder / "tex-chtml.js").is_file():
        raise BuildError(f"no MathJax in {folder}")
    return folder


def _copy_mathjax(into: pathlib.Path) -> None:
    source = _mathjax_source()
    for part in MATHJAX_PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, into / part)
        else:
            (into / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, into / part)


def _redirect(to: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={to}"><title>Redirecting</title></head>\n'
        f'<body><p><a href="{to}">{to}</a></p></body></html>\n'
    )


def build(outdir: pathlib.Path | str, root: pathlib.Path | str = ROOT, quiet: bool = True) -> dict:
    """Build the book of ``root``'s notebooks into ``outdir`` (created; its old ``<lang>/`` folders
    and ``index.html`` are replaced). Returns what was built: ``{"languages": {code: [notebook
    page, ...]}, "extra_pages": {code: [markdown page, ...]}, "repository": "owner/name", "seconds":
    ...}``. Raises :class:`BuildError`."""
    start = time.monotonic()
    root, outdir = pathlib.Path(root).resolve(), pathlib.Path(outdir).resolve()
    if outdir == root or root.is_relative_to(outdir) or outdir.is_relative_to(root / "notebooks"):
        raise BuildError(f"outdir: {outdir} would hold the repository; give a folder of its own")
    found = editions(root)
    repo = repository(root)
    outdir.mkdir(parents=True, exist_ok=True)
    built, extras = {}, {}
    with tempfile.TemporaryDirectory(prefix="nalu-book-") as work:
        work = pathlib.Path(work)
        _copy_mathjax(work / "mathjax_static" / "mathjax")
        staged = {lang.code: stage(root, lang, work / lang.code / "source", repo) for lang in found}
        # One Sphinx process per edition, all at once (each uses one core).
        runs = {}
        for lang in found:
            settings = {
                "language": asdict(lang),
                "editions": [{**asdict(other), "pages": staged[other.code]} for other in found],
                "repository": repo,
                "branch": BRANCH,
                "path_to_docs": "/".join(filter(None, ["notebooks", lang.folder])),
                "static": [str(STATIC), str(work / "mathjax_static")],
                "toc": str(work / lang.code / "source" / "_toc.yml"),
            }
            settings_file = work / lang.code / "settings.json"
            settings_file.write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
            command = [
                sys.executable,
                "-m",
                "sphinx",
                "-b",
                "html",
                "-c",
                str(HERE),
                "-d",
                str(work / lang.code / "doctrees"),
            ]
            command += [
                "-W",
                "--keep-going",
                "-q" if quiet else "-v",
                str(work / lang.code / "source"),
                str(work / lang.code / "html"),
            ]
            log = (work / lang.code / "sphinx.log").open("w", encoding="utf-8") if quiet else None
            env = {**os.environ, "NALU_BOOK_SETTINGS": str(settings_file)}
            runs[lang.code] = (
                subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT if log else None),
                log,
            )
        failed = []
        for code, (process, log) in runs.items():
            process.wait()
            if log:
                log.close()
            if process.returncode != 0:
                output = (work / code / "sphinx.log").read_text(encoding="utf-8") if log else ""
                failed.append(f"Sphinx failed on the {code} edition (exit {process.returncode}):\n{output}")
        if failed:
            raise BuildError("\n".join(failed))
        for lang in found:
            html = work / lang.code / "html"
            # The download button's file: the committed one, not the staging copy.
            for path in notebooks(root, lang) + extra_pages(root, lang):
                shutil.copy2(path, html / "_sources" / path.name)
            (html / "index.html").write_text(_redirect(f"{START_PAGE}.html"), encoding="utf-8")
            shutil.rmtree(outdir / lang.code, ignore_errors=True)
            shutil.copytree(html, outdir / lang.code, ignore=shutil.ignore_patterns(".buildinfo", ".doctrees"))
            built[lang.code] = [p.stem for p in notebooks(root, lang)]
            extras[lang.code] = [p.stem for p in extra_pages(root, lang)]
    (outdir / "index.html").write_text(_redirect(f"en/{START_PAGE}.html"), encoding="utf-8")
    return {"languages": built, "extra_pages": extras, "repository": repo, "seconds": time.monotonic() - start}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="book/build", description="Build the notebook series as a static HTML web book (offline; nothing runs)."
    )
    parser.add_argument("outdir", help="the folder to write the site into (open OUTDIR/index.html)")
    parser.add_argument("--root", default=str(ROOT), help="the repository whose notebooks to build (default: this one)")
    parser.add_argument("--verbose", action="store_true", help="show Sphinx's output")
    args = parser.parse_args(argv)
    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        print(
            f"book/build: {', '.join(missing)} missing from {sys.executable}: install requirements-dev.txt, or "
            "give the Python that has them (PYTHON=.venv/bin/python book/build OUTDIR)",
            file=sys.stderr,
        )
        return 1
    try:
        result = build(args.outdir, args.root, quiet=not args.verbose)
    except BuildError as error:
        print(f"book/build: {error}", file=sys.stderr)
        return 1
    for code, pages in result["languages"].items():
        extra = result["extra_pages"][code]
        also = f" and {', '.join(extra)}" if extra else ""
        print(f"{code}: {len(pages)} notebook pages{also} in {pathlib.Path(args.outdir) / code}")
    print(f"launch buttons open github.com/{result['repository']}; built in {result['seconds']:.0f} s")
    print(f"open {pathlib.Path(args.outdir).resolve() / 'index.html'}")
    return 0


if __name__ == "__main__":
    if str(ROOT) not in sys.path:  # nalu_lib from this clone, installed or not
        sys.path.insert(0, str(ROOT))
    sys.exit(main())
