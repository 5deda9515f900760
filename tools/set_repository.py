"""Point the series at another GitHub repository, a fork say: one command, from its root::

    python tools/set_repository.py OWNER/NAME             # rewrite every place the name is written
    python tools/set_repository.py OWNER/NAME --dry-run   # only list the files it would change

The repository is named once, ``[project.urls] Repository`` in pyproject.toml, which
``nalu_lib.classroom.REPOSITORY`` and the web book (``book/build``) read; but a notebook's
Binder and Colab badges, its Colab install line (``%pip install -q "nalu_lib @
git+https://github.com/OWNER/NAME"``), the start page's table, the README, TEACHING.md and the
LICENSE's credit line write it out, so that they work on GitHub as they are. This rewrites the
current name (pyproject.toml's) to ``OWNER/NAME`` in every file git tracks: in GitHub, Binder and
Colab addresses (``github.com/``, ``githubusercontent.com/``, ``mybinder.org/v2/gh/``,
``colab.research.google.com/github/``) and, for the clone's folder, after ``cd `` and ``../``.
The notebooks are changed as text: their outputs and execution counts stay as committed.

``OWNER/NAME`` must be a GitHub repository's name (:func:`nalu_lib.classroom.check_repository`);
anything else is refused with a ValueError naming it. ``tests/test_set_repository.py`` runs it on
a copy of the repository, and checks that no other repository is named anywhere but the
cited ones. A maintainer's tool, like ``tools/navigation.py``; the README names it.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # nalu_lib from this clone, installed or not
    sys.path.insert(0, str(ROOT))

from nalu_lib.classroom import check_repository, read_repository  # noqa: E402

#: What comes before ``OWNER/NAME`` in an address of the repository.
ADDRESS_PREFIXES = ("github.com/", "githubusercontent.com/", "mybinder.org/v2/gh/", "colab.research.google.com/github/")
#: What comes before the clone's folder name (``git clone ... && cd NAME``, ``../NAME/.venv``).
FOLDER_PREFIXES = ("cd ", "../")


#: The tests of this command, whose fixtures name other repositories on purpose: never rewritten
#: and never scanned.
OWN_TESTS = ("tests/test_set_repository.py",)


def tracked_files(root: pathlib.Path) -> list[pathlib.Path]:
    """The files git tracks in ``root`` (the repository's own files, not a virtual environment's),
    but for :data:`OWN_TESTS`."""
    result = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{root} is not a git repository: {result.stderr.strip()}")
    names = [name for name in result.stdout.split("\0") if name and name not in OWN_TESTS]
    return [root / name for name in names if (root / name).is_file()]


def _patterns(old: str) -> list[re.Pattern]:
    end = r"(?![A-Za-z0-9._-])"  # the whole name, not a longer one that starts with it
    addresses = "|".join(re.escape(prefix) for prefix in ADDRESS_PREFIXES)
    folders = "|".join(re.escape(prefix) for prefix in FOLDER_PREFIXES)
    return [
        re.compile(rf"({addresses}){re.escape(old)}{end}", re.IGNORECASE),
        re.compile(rf"(?<![A-Za-z0-9._/-])({folders}){re.escape(old.split('/')[1])}{end}"),
    ]


def rewrite(text: str, old: str, new: str) -> str:
    """``text`` with the repository ``old`` named ``new`` wherever :data:`ADDRESS_PREFIXES` and
    :data:`FOLDER_PREFIXES` say it is written."""
    address, folder = _patterns(old)
    text = address.sub(lambda m: m.group(1) + new, text)
    return folder.sub(lambda m: m.group(1) + new.split("/")[1], text)


def set_repository(repository: str, root: pathlib.Path | str = ROOT, dry_run: bool = False) -> list[str]:
    """Name ``repository`` (``OWNER/NAME``) instead of pyproject.toml's current one in every
    tracked file of ``root``; returns the files changed (with ``dry_run``, to be changed)."""
    check_repository("repository", repository)
    root = pathlib.Path(root).resolve()
    old = read_repository(root / "pyproject.toml")
    changed = []
    for path in tracked_files(root):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # a binary file names no repository
            continue
        new_text = rewrite(text, old, repository)
        if new_text != text:
            changed.append(path.relative_to(root).as_posix())
            if not dry_run:
                path.write_bytes(new_text.encode("utf-8"))
    if not dry_run and read_repository(root / "pyproject.toml") != repository:
        raise RuntimeError(
            f"{root / 'pyproject.toml'} still names {old}: is [project.urls] Repository a github.com URL?"
        )
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/set_repository.py",
        description="Point every badge, install line and link of the series at another GitHub repository.",
    )
    parser.add_argument("repository", metavar="OWNER/NAME", help="the GitHub repository, for example a fork")
    parser.add_argument("--root", default=str(ROOT), help="the clone to rewrite (default: this one)")
    parser.add_argument("--dry-run", action="store_true", help="list the files that would change, change none")
    args = parser.parse_args(argv)
    try:
        old = read_repository(pathlib.Path(args.root) / "pyproject.toml")
        changed = set_repository(args.repository, args.root, dry_run=args.dry_run)
    except ValueError as error:
        parser.error(str(error))
    verb = "would name" if args.dry_run else "now name"
    print(f"{len(changed)} files {verb} {args.repository} instead of {old}:")
    for name in changed:
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
