"""Keep a translated edition of the series (``notebooks/zh/``, Chinese) in step with the English
notebooks::

    python tools/translation.py sync               # rebuild notebooks/zh/ from notebooks/, keeping translations
    python tools/translation.py todo               # the cells whose translation is missing or stale
    python tools/translation.py export DIR         # write them to DIR/NN_name.json, to translate
    python tools/translation.py apply FILE.json    # take translations in, recorded against today's English
    python tools/translation.py --check            # exit 1 if any cell is missing, stale or differs (a test)

A translated notebook is its English notebook with the prose translated: the same cells, in the
same order, with the same ids and metadata; every code cell identical, with its outputs and
execution count (the outputs are produced once, by the English notebook). Each translated
markdown cell records in its metadata the SHA-256 of the English cell it translates
(``"translation": {"en_sha256": ...}``): when the English cell changes, the hash no longer
matches and :func:`problems` reports the cell as stale until its translation follows and is
applied again. A translated cell writes every number as its English cell does (:func:`numbers`):
"20 seeds" is "20 个种子", never "二十个种子". The navigation line and the start page's table are
generated for each edition by ``tools/navigation.py``, not translated here.

``apply`` reads ``{"NN_name.ipynb": {"<cell id>": "<translated markdown>"}}``; ``export`` writes the
English cells to translate in that shape (``{"<cell id>": "<English markdown>"}`` per notebook).
A maintainer's tool (``tools/requirements.txt``); ``tests/test_translation.py`` runs the check.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import pathlib
import re
import sys
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
#: The translated editions: their folder inside ``notebooks/``.
EDITIONS = {"zh": "zh"}
#: Cells written by ``tools/navigation.py`` for each edition (never translated by hand).
GENERATED_TAGS = ("navigation", "series-table")
METADATA_KEY = "translation"

_NUMBER = re.compile(
    r"(?<![A-Za-z_\d.])(\d[\d,]*(?:\.\d+)?)(?:\s?(million|billion|百万|万|亿)(?![A-Za-z]))?", re.IGNORECASE
)
#: Words that scale the number before them: "5 million" is "500 万" in Chinese.
_LIST_JOIN = re.compile(r"\s*(?:,|,? and|,? or|to|-|\u2013)\s*")
_SCALES = {"million": 10**6, "billion": 10**9, "百万": 10**6, "万": 10**4, "亿": 10**8}
_CJK = re.compile(r"[\u4e00-\u9fff]")
#: What a cell's words are looked for in: not code, math, link targets or HTML.
_NOT_PROSE = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)|<[^>]+>", re.S)


def en_hash(source: str) -> str:
    """The SHA-256 of an English cell's source, as a translated cell records it."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def numbers(text: str) -> list[str]:
    """The numbers written in ``text`` with digits, by value and sorted, which a translation must
    keep: ``"1,000,000"`` is one number, and a scale word counts (``"5 million"`` and ``"500 万"``
    are the same number; in ``"1.5 and 1.9 million"`` both numbers are millions)."""
    matches = list(_NUMBER.finditer(text))
    scales = [(m.group(2) or "").lower() for m in matches]
    for i in range(len(matches) - 2, -1, -1):  # "1.5 and 1.9 million", "2, 3 or 4 million"
        between = text[matches[i].end() : matches[i + 1].start()]
        if not scales[i] and scales[i + 1] and _LIST_JOIN.fullmatch(between):
            scales[i] = scales[i + 1]
    found = []
    for match, scale in zip(matches, scales, strict=True):
        value = Decimal(match.group(1).rstrip(",").replace(",", "")) * _SCALES.get(scale, 1)
        found.append(format(value.normalize(), "f"))
    return sorted(found)


def has_prose(source: str) -> bool:
    """Whether an English cell has words to translate (outside code, math and link targets)."""
    return bool(re.search(r"[A-Za-z]{2,}", _NOT_PROSE.sub(" ", source)))


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _load(path: pathlib.Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _save(path: pathlib.Path, notebook: dict) -> None:
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _generated(cell: dict) -> bool:
    return any(tag in cell.get("metadata", {}).get("tags", []) for tag in GENERATED_TAGS)


def edition_folder(lang: str, notebooks: pathlib.Path | None = None) -> pathlib.Path:
    if lang not in EDITIONS:
        raise ValueError(f"lang must be one of {', '.join(EDITIONS)}, got lang={lang!r}")
    return (notebooks or NOTEBOOKS) / EDITIONS[lang]


def english_notebooks(notebooks: pathlib.Path | None = None) -> list[pathlib.Path]:
    return sorted((notebooks or NOTEBOOKS).glob(NOTEBOOK_GLOB))


def translated_notebook(english: dict, old: dict | None) -> dict:
    """``english`` with the translations of ``old`` (the edition's notebook as it was, or
    ``None``) put back, matched by cell id: a markdown cell keeps its translation and the hash it
    recorded, stale or not; a cell with none yet gets the English text and no hash; the
    generated cells keep what ``old`` had (``tools/navigation.py`` rewrites them)."""
    kept = {cell.get("id"): cell for cell in (old or {}).get("cells", []) if cell.get("cell_type") == "markdown"}
    notebook = copy.deepcopy(english)
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown" or cell.get("id") not in kept:
            continue
        before = kept[cell["id"]]
        cell["source"] = _source(before)
        if METADATA_KEY in before.get("metadata", {}):
            cell["metadata"][METADATA_KEY] = before["metadata"][METADATA_KEY]
    return notebook


def sync(lang: str = "zh", notebooks: pathlib.Path | None = None) -> list[str]:
    """Rebuild every notebook of edition ``lang`` from its English notebook (see
    :func:`translated_notebook`) and return the names of the files that changed."""
    folder = edition_folder(lang, notebooks)
    folder.mkdir(exist_ok=True)
    changed = []
    for path in english_notebooks(notebooks):
        target = folder / path.name
        old = _load(target) if target.exists() else None
        new = translated_notebook(_load(path), old)
        if new != old:
            _save(target, new)
            changed.append(target.name)
    return changed


def problems(lang: str = "zh", notebooks: pathlib.Path | None = None) -> list[str]:
    """Everything in edition ``lang`` that does not follow the English notebooks, one line each:
    a notebook missing or extra, cells added, removed or reordered, a code cell, its outputs or a
    cell's metadata that differ, a markdown cell untranslated, stale (its English cell changed
    since) or with other numbers than its English cell."""
    folder = edition_folder(lang, notebooks)
    found = []
    english = english_notebooks(notebooks)
    names = {p.name for p in english}
    for extra in sorted(p.name for p in folder.glob(NOTEBOOK_GLOB) if p.name not in names):
        found.append(f"{lang}/{extra}: no English notebook of that name")
    for path in english:
        target = folder / path.name
        where = f"{lang}/{path.name}"
        if not target.exists():
            found.append(f"{where}: missing (python tools/translation.py sync)")
            continue
        en, tr = _load(path), _load(target)
        if [c.get("id") for c in en["cells"]] != [c.get("id") for c in tr["cells"]]:
            found.append(f"{where}: its cells are not the English notebook's (python tools/translation.py sync)")
            continue
        if tr.get("metadata") != en.get("metadata"):
            found.append(f"{where}: its notebook metadata differs from the English notebook's")
        for index, (a, b) in enumerate(zip(en["cells"], tr["cells"], strict=True)):
            cell = f"{where} cell {index} ({a.get('id')})"
            if a["cell_type"] != "markdown":
                if b != a:
                    found.append(f"{cell}: differs from the English code cell (its source, outputs or metadata)")
                continue
            if b["cell_type"] != "markdown":
                found.append(f"{cell}: not a markdown cell")
                continue
            meta = {k: v for k, v in b.get("metadata", {}).items() if k != METADATA_KEY}
            if meta != a.get("metadata", {}):
                found.append(f"{cell}: its metadata differs from the English cell's")
            if _generated(a):
                continue  # tools/navigation.py writes and checks it
            recorded = b.get("metadata", {}).get(METADATA_KEY, {}).get("en_sha256")
            english_text, translated = _source(a), _source(b)
            if recorded is None:
                found.append(f"{cell}: not translated yet")
            elif recorded != en_hash(english_text):
                found.append(f"{cell}: stale: the English cell changed since it was translated")
            elif has_prose(english_text) and not _CJK.search(translated):
                found.append(f"{cell}: recorded as translated, but holds no Chinese")
            if recorded is not None and numbers(translated) != numbers(english_text):
                found.append(
                    f"{cell}: its numbers {numbers(translated)} are not the English cell's {numbers(english_text)}"
                )
    return found


def todo(lang: str = "zh", notebooks: pathlib.Path | None = None) -> dict[str, dict[str, str]]:
    """The English markdown cells whose translation is missing or stale, by notebook and cell id."""
    folder = edition_folder(lang, notebooks)
    wanted: dict[str, dict[str, str]] = {}
    for path in english_notebooks(notebooks):
        target = folder / path.name
        tr = {c.get("id"): c for c in _load(target)["cells"]} if target.exists() else {}
        for cell in _load(path)["cells"]:
            if cell["cell_type"] != "markdown" or _generated(cell):
                continue
            recorded = tr.get(cell.get("id"), {}).get("metadata", {}).get(METADATA_KEY, {}).get("en_sha256")
            if recorded != en_hash(_source(cell)):
                wanted.setdefault(path.name, {})[cell["id"]] = _source(cell)
    return wanted


def apply(translations: dict[str, dict[str, str]], lang: str = "zh", notebooks: pathlib.Path | None = None) -> int:
    """Write ``translations`` (``{notebook: {cell id: markdown}}``) into edition ``lang``, each
    recorded against the English cell as it is now; returns how many cells were written.

    Raises ``ValueError`` naming the notebook or cell id that does not exist, or a cell whose
    numbers are not its English cell's (nothing is written then)."""
    folder = edition_folder(lang, notebooks)
    sync(lang, notebooks)
    pending = {}
    for name, cells in translations.items():
        english_path = (notebooks or NOTEBOOKS) / name
        if not english_path.exists():
            raise ValueError(f"translations name a notebook that does not exist: {name!r}")
        english = {c.get("id"): c for c in _load(english_path)["cells"]}
        for cell_id, text in cells.items():
            cell = english.get(cell_id)
            if cell is None or cell["cell_type"] != "markdown" or _generated(cell):
                raise ValueError(f"{name}: no markdown cell to translate with id {cell_id!r}")
            if numbers(text) != numbers(_source(cell)):
                raise ValueError(
                    f"{name} cell {cell_id}: the numbers {numbers(text)} are not the English {numbers(_source(cell))}"
                )
        pending[name] = (english, cells)
    written = 0
    for name, (english, cells) in pending.items():
        target = folder / name
        notebook = _load(target)
        for cell in notebook["cells"]:
            if cell.get("id") in cells:
                cell["source"] = cells[cell["id"]]
                cell["metadata"][METADATA_KEY] = {"en_sha256": en_hash(_source(english[cell["id"]]))}
                written += 1
        _save(target, notebook)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/translation.py", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["sync", "todo", "export", "apply"], default="todo")
    parser.add_argument("path", nargs="?", type=pathlib.Path, help="export: a folder; apply: a JSON file")
    parser.add_argument("--lang", default="zh", choices=sorted(EDITIONS), help="the edition (default zh)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the edition does not follow the English")
    args = parser.parse_args(argv)
    if args.check:
        found = problems(args.lang)
        print("\n".join(found) if found else f"{args.lang}: every notebook follows the English")
        return 1 if found else 0
    if args.command in ("export", "apply") and args.path is None:
        parser.error(f"{args.command} needs a path")
    if args.command == "sync":
        for name in sync(args.lang):
            print(f"updated: {args.lang}/{name}")
    elif args.command == "todo":
        for name, cells in todo(args.lang).items():
            print(f"{name}: {len(cells)} cell(s): {', '.join(cells)}")
    elif args.command == "export":
        args.path.mkdir(parents=True, exist_ok=True)
        for name, cells in todo(args.lang).items():
            (args.path / f"{pathlib.Path(name).stem}.json").write_text(
                json.dumps({name: cells}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
    else:
        try:
            count = apply(json.loads(args.path.read_text(encoding="utf-8")), args.lang)
        except ValueError as error:
            parser.error(str(error))
        print(f"{count} cell(s) written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
