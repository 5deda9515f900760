"""The repository is named once (pyproject.toml), and one command moves every link to another.

``python tools/set_repository.py OWNER/NAME`` is run on a copy of the repository's tracked files,
never on the repository itself. And in the repository as it is, no GitHub, Binder or Colab
address names any repository but the configured one (:data:`nalu_lib.classroom.REPOSITORY`) and
the cited ones (:data:`CITED`), which are references, never launch targets.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from book import builder
from nalu_lib.classroom import REPOSITORY, check_repository, read_repository
from tools import set_repository as tool

ROOT = pathlib.Path(__file__).resolve().parents[1]
FORK = "a-fork/nalu-book"

#: Repositories the series cites, as the source of a paper's code, data or results, or of a tool:
#: they may be named in a github.com address, but nothing launches them (no Binder or Colab link,
#: no install line).
CITED = {
    "AndreasMadsen/stable-nalu": "Madsen & Johansen's code and per-seed results (NAU, NMU, the static task)",
    "nmheim/NeuralArithmetic.jl": "Heim et al.'s units (NPU, RealNPU, iNALU) in Julia",
    "nmheim/NeuralPowerUnits": "Heim et al.'s experiments for the NPU paper",
    "aicenter/NeuralArithmeticBenchmarks": "Heim et al.'s benchmarks",
    "daschloer/inalu": "Schlör et al.'s iNALU code",
    "bmistry4/nalm-benchmark": "Mistry et al.'s benchmark of neural arithmetic units",
    "computationalmodelling/nbval": "nbval, the notebook test tool",
}

#: How the documentation writes "a repository" in an address (``git+https://github.com/OWNER/NAME``).
PLACEHOLDER = "OWNER/NAME"

OWNER, NAME = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?", r"[A-Za-z0-9._-]*[A-Za-z0-9_-]"
#: A GitHub address that names a repository (the name without a trailing ``.git``).
GITHUB = re.compile(rf"(?:github\.com|githubusercontent\.com)/({OWNER})/({NAME})(?:\.git)?(?![A-Za-z0-9_-])")
#: An address that launches a repository (Binder, Colab, a pip install from GitHub).
LAUNCH = re.compile(
    rf"(?:mybinder\.org/v2/gh|colab\.research\.google\.com/github|git\+https://github\.com)/({OWNER})/({NAME})"
    rf"(?:\.git)?(?![A-Za-z0-9_-])"
)


def repositories_named(root: pathlib.Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``(named, launched)``: each repository a tracked file of ``root`` names in a GitHub address,
    and each one a Binder, Colab or install address launches, with the files that do."""
    named: dict[str, set[str]] = {}
    launched: dict[str, set[str]] = {}
    for path in tool.tracked_files(root):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        where = path.relative_to(root).as_posix()
        for pattern, found in ((GITHUB, named), (LAUNCH, launched)):
            for owner, name in pattern.findall(text):
                found.setdefault(f"{owner}/{name}", set()).add(where)
    return named, launched


def _same_repository(a: str, b: str) -> bool:
    return a.lower() == b.lower()  # GitHub's names ignore case


def check_only_configured(root: pathlib.Path, repository: str) -> None:
    named, launched = repositories_named(root)
    named.pop(PLACEHOLDER, None)
    launched.pop(PLACEHOLDER, None)
    cited = {c.lower() for c in CITED}
    others = {
        r: sorted(files) for r, files in named.items() if not _same_repository(r, repository) and r.lower() not in cited
    }
    assert not others, f"repositories named that are neither {repository} nor cited (CITED): {others}"
    wrong = {r: sorted(files) for r, files in launched.items() if not _same_repository(r, repository)}
    assert not wrong, f"launch addresses that do not open {repository}: {wrong}"
    assert repository in launched, f"nothing launches {repository}"


def test_only_the_configured_repository_is_launched_and_only_cited_ones_are_named():
    check_only_configured(ROOT, REPOSITORY)


def test_the_scan_finds_what_it_looks_for(tmp_path):
    # Each kind of address to another repository is caught (the scan is not vacuous).
    for text in [
        "[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/someone/other/main?urlpath=lab)",
        "https://colab.research.google.com/github/someone/other/blob/main/notebooks/00_start_here.ipynb",
        '    %pip install -q \\"nalu_lib @ git+https://github.com/someone/other\\"\\n',
        "see https://github.com/someone/other.",
    ]:
        named, launched = repositories_named_in(tmp_path, text)
        assert "someone/other" in named | launched, text
    named, launched = repositories_named_in(tmp_path, "https://mybinder.org/v2/gh/AndreasMadsen/stable-nalu/main")
    assert "AndreasMadsen/stable-nalu" in launched  # cited, but never a launch target
    # Templates in code are not names.
    assert repositories_named_in(tmp_path, 'f"https://github.com/{REPOSITORY}/blob/{BRANCH}"') == ({}, {})


def repositories_named_in(folder: pathlib.Path, text: str):
    folder = folder / f"case{len(list(folder.iterdir()))}"
    folder.mkdir()
    (folder / "file.md").write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    subprocess.run(["git", "add", "file.md"], cwd=folder, check=True)
    named, launched = repositories_named(folder)
    return {k: v for k, v in named.items()}, {k: v for k, v in launched.items()}


@pytest.mark.parametrize(
    "value",
    [
        "",
        "owner",
        "owner/",
        "/name",
        "owner/name/more",
        "https://github.com/owner/name",
        "github.com/owner/name",
        "-owner/name",
        "owner-/name",
        "own er/name",
        "owner/na me",
        "owner/name.git",
        "owner/..",
        "o" * 40 + "/name",
        "owner/" + "n" * 101,
        None,
        42,
    ],
)
def test_a_bad_repository_name_is_refused_naming_the_argument(value):
    with pytest.raises(ValueError, match=r"repository must be a GitHub repository as OWNER/NAME, got repository="):
        check_repository("repository", value)
    with pytest.raises(ValueError, match="repository"):
        tool.set_repository(value, ROOT, dry_run=True)


@pytest.mark.parametrize("value", ["a/b", "nalu-series/nalu-notebooks", "Owner-1/name_with.dots-2", "o" * 39 + "/.x"])
def test_a_good_repository_name_is_accepted(value):
    assert check_repository("repository", value) == value


def test_the_command_line_refuses_a_bad_name_and_changes_nothing():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "set_repository.py"), "not a repository", "--dry-run"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "repository must be a GitHub repository as OWNER/NAME, got repository='not a repository'" in result.stderr


def test_rewrite_touches_only_the_repository():
    old = "nalu-series/nalu-notebooks"
    text = (
        "[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/nalu-series/nalu-notebooks/main?x)\n"
        "https://colab.research.google.com/github/nalu-series/nalu-notebooks/blob/main/notebooks/a.ipynb\n"
        'Repository = "https://github.com/nalu-series/nalu-notebooks"\n'
        "git clone https://github.com/nalu-series/nalu-notebooks && cd nalu-notebooks\n"
        "run them as `../nalu-notebooks/.venv/bin/nbgrader`\n"
        "https://github.com/nalu-series/nalu-notebooks-extra and https://github.com/AndreasMadsen/stable-nalu\n"
        "the nalu-notebooks series; cd nalu-notebooks2\n"
    )
    assert tool.rewrite(text, old, FORK) == (
        "[![Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/a-fork/nalu-book/main?x)\n"
        "https://colab.research.google.com/github/a-fork/nalu-book/blob/main/notebooks/a.ipynb\n"
        'Repository = "https://github.com/a-fork/nalu-book"\n'
        "git clone https://github.com/a-fork/nalu-book && cd nalu-book\n"
        "run them as `../nalu-book/.venv/bin/nbgrader`\n"
        "https://github.com/nalu-series/nalu-notebooks-extra and https://github.com/AndreasMadsen/stable-nalu\n"
        "the nalu-notebooks series; cd nalu-notebooks2\n"
    )


@pytest.fixture
def copy_of_the_repository(tmp_path):
    """The repository's tracked files, as they are in the working tree, in a new git repository."""
    copy = tmp_path / "clone"
    for path in tool.tracked_files(ROOT):
        target = copy / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    subprocess.run(["git", "add", "-A"], cwd=copy, check=True)
    return copy


def _in_copy(copy: pathlib.Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` in the copy, importing the copy's nalu_lib and tools."""
    env = {**os.environ, "PYTHONPATH": str(copy)}
    return subprocess.run([sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True)


def test_one_command_moves_every_link_to_a_fork(copy_of_the_repository):
    copy = copy_of_the_repository
    before = {p.relative_to(copy).as_posix(): p.read_bytes() for p in tool.tracked_files(copy)}
    old = read_repository(copy / "pyproject.toml")
    assert old == REPOSITORY
    navigation_before = _in_copy(copy, "tools/navigation.py", "--check")

    result = _in_copy(copy, "tools/set_repository.py", FORK)
    assert result.returncode == 0, result.stderr
    after = {p.relative_to(copy).as_posix(): p.read_bytes() for p in tool.tracked_files(copy)}

    # The one setting, and everything that reads it.
    assert read_repository(copy / "pyproject.toml") == FORK
    assert builder.repository(copy) == FORK
    probe = "import nalu_lib, nalu_lib.classroom as c; print(nalu_lib.__file__); print(c.REPOSITORY)"
    printed = _in_copy(copy, "-c", probe).stdout.split()
    assert printed == [str(copy / "nalu_lib" / "__init__.py"), FORK], printed
    # Every place that named the old repository names the fork, in the same places.
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == sorted(line.strip() for line in result.stdout.splitlines()[1:])
    assert {"pyproject.toml", "README.md", "TEACHING.md", "LICENSE"} <= set(changed)
    assert {n for n in before if n.startswith("notebooks/") and n.endswith(".ipynb")} <= set(changed)
    for name in changed:
        text_before, text_after = before[name].decode(), after[name].decode()
        assert text_before.count(old) == text_after.count(FORK) > 0, name
        assert old not in text_after, name
    check_only_configured(copy, FORK)
    # The notebooks changed as text only: their outputs and execution counts are as committed,
    # and each one's Colab install line installs the fork.
    for name in changed:
        if name.endswith(".ipynb"):
            cells_before = json.loads(before[name])["cells"]
            cells_after = json.loads(after[name])["cells"]
            assert [c.get("outputs") for c in cells_before] == [c.get("outputs") for c in cells_after], name
            assert [c.get("execution_count") for c in cells_before] == [c.get("execution_count") for c in cells_after]
            code = "".join("".join(c["source"]) for c in cells_after if c["cell_type"] == "code")
            assert f'nalu_lib @ git+https://github.com/{FORK}"' in code, name
    # The navigation lines and the start page's table, which tools/navigation.py writes from the
    # setting, agree with the rewritten notebooks as they did before (a notebook being edited may
    # be out of date in a working tree; none is in a commit, which test_repo checks).
    check = _in_copy(copy, "tools/navigation.py", "--check")
    assert (check.returncode, check.stdout) == (navigation_before.returncode, navigation_before.stdout), check.stdout
    # Running it again changes nothing; going back restores every file byte for byte.
    assert tool.set_repository(FORK, copy) == []
    assert tool.set_repository(old, copy) == changed
    assert {p.relative_to(copy).as_posix(): p.read_bytes() for p in tool.tracked_files(copy)} == before
