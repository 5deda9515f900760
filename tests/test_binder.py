"""Checks that Binder (jupyter-repo2docker) builds the same environment as a local install.

Two layers:

* Static checks, always run: binder/runtime.txt pins Python 3.11, binder/requirements.txt
  pins what the notebooks need and no test tools, the root requirements.txt reuses it and
  installs the package, requirements-dev.txt adds the pinned test tools, and binder/postBuild
  installs the package.
* A dry run of repo2docker (``--no-build --debug`` renders the Dockerfile without Docker,
  in well under a second) when repo2docker is available; otherwise skipped.  repo2docker
  is best kept out of the project's environment:

      python -m venv /tmp/r2d-venv && /tmp/r2d-venv/bin/pip install jupyter-repo2docker
      REPO2DOCKER_PYTHON=/tmp/r2d-venv/bin/python pytest tests/test_binder.py
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
BINDER_REQUIREMENTS = BINDER / "requirements.txt"
ROOT_REQUIREMENTS = ROOT / "requirements.txt"
DEV_REQUIREMENTS = ROOT / "requirements-dev.txt"
#: What only contributors, CI and teachers need: never in a student's Binder image.
DEV_ONLY = ("pytest", "pytest-xdist", "nbval", "ruff", "playwright", "nbgrader", "filelock")
#: The web book's builder (book/build), a maintainer's tool too: pinned in requirements-dev.txt, not on Binder.
DEV_ONLY += ("sphinx", "myst-nb", "sphinx-book-theme", "sphinx-external-toc", "sphinx-mathjax-offline", "jieba")
#: The maintainer's tools' own file, which requirements-dev.txt includes.
TOOLS_REQUIREMENTS = ROOT / "tools" / "requirements.txt"
POST_BUILD = BINDER / "postBuild"

# Binder's image user; repo2docker otherwise uses the caller's uid (0 under CI as root).
BINDER_UID = "1000"
DRY_RUN_ARGS = ["--no-build", "--debug", "--user-id", BINDER_UID, "--user-name", "jovyan"]
# Lines of the Dockerfile that repo2docker renders for this repository.
PIP_INSTALL = 'RUN ${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"'
COPY_REPO = f"COPY --chown={BINDER_UID}:{BINDER_UID} src/ ${{REPO_DIR}}/"
RUN_POST_BUILD = "RUN ./binder/postBuild"


def _lines(path: Path) -> list[str]:
    """Non-empty lines of a requirements file, comments stripped."""
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line:
            lines.append(line)
    return lines


def _pins(path: Path) -> list[Requirement]:
    """The requirement lines (not options such as -r / -e) of a requirements file."""
    return [Requirement(line) for line in _lines(path) if not line.startswith("-")]


# --------------------------------------------------------------------------- static checks


def test_runtime_pins_python_311():
    assert (BINDER / "runtime.txt").read_text(encoding="utf-8").strip() == "python-3.11"


def test_only_one_binder_folder():
    # repo2docker refuses to build when both binder/ and .binder/ exist.
    assert not (ROOT / ".binder").exists()


def test_root_requirements_reuse_binder_pins_and_install_the_package():
    lines = _lines(ROOT_REQUIREMENTS)
    assert "-r binder/requirements.txt" in lines, "root requirements.txt must include binder's pins"
    assert "-e ." in lines, "root requirements.txt must install nalu_lib"


def test_binder_requirements_pin_every_package_exactly():
    pins = _pins(BINDER_REQUIREMENTS)
    assert pins
    for req in pins:
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"{req} is not pinned with =="
    names = {req.name.lower().replace("_", "-") for req in pins}
    for needed in ("tensorflow-cpu", "tensorflow", "keras", "numpy", "ipywidgets", "jupyterlab"):
        assert needed in names, f"{needed} missing from binder/requirements.txt"


def test_binder_requirements_have_no_local_references():
    # A local reference (-e ., -r, -c, ./path, file://) makes repo2docker install the file only
    # after copying the whole repository, so every notebook edit would reinstall TensorFlow.
    for line in _lines(BINDER_REQUIREMENTS):
        target = line.split(None, 1)[-1] if line.startswith("-") else line
        assert not line.startswith(("-r", "-c", "-e", "--requirement", "--constraint", "--editable"))
        assert not target.startswith(".") and "file://" not in target, line


def test_tensorflow_variants_cover_every_platform_at_one_version():
    pins = {req.name.lower(): req for req in _pins(BINDER_REQUIREMENTS)}
    cpu, full = pins["tensorflow-cpu"], pins["tensorflow"]
    assert str(cpu.specifier) == str(full.specifier)
    for env in (
        {"sys_platform": "linux", "platform_machine": "x86_64"},
        {"sys_platform": "linux", "platform_machine": "aarch64"},
        {"sys_platform": "darwin", "platform_machine": "arm64"},
        {"sys_platform": "win32", "platform_machine": "AMD64"},
    ):
        chosen = [r.name for r in (cpu, full) if r.marker.evaluate(env)]
        assert len(chosen) == 1, f"{env}: {chosen}"
    assert cpu.marker.evaluate({"sys_platform": "linux", "platform_machine": "x86_64"})


def test_root_requirements_add_no_versions_of_their_own():
    # Every pin lives in binder/requirements.txt, so Binder and CI install the same versions.
    assert _pins(ROOT_REQUIREMENTS) == [], "pins belong in binder/requirements.txt"


def test_students_get_no_test_tools_and_ci_gets_binder_pins_plus_them():
    binder = {req.name.lower() for req in _pins(BINDER_REQUIREMENTS)}
    dev = {req.name.lower(): req for req in _pins(DEV_REQUIREMENTS)}
    assert not binder & set(DEV_ONLY), "test and classroom tools do not belong in a student's Binder"
    assert "-r requirements.txt" in _lines(DEV_REQUIREMENTS), "requirements-dev.txt must include the notebooks' pins"
    assert set(dev) == set(DEV_ONLY), "requirements-dev.txt pins the tools alone; the rest comes from binder/"
    assert "-r tools/requirements.txt" in _lines(DEV_REQUIREMENTS), "requirements-dev.txt must include the tools' pins"
    tools = {req.name.lower() for req in _pins(TOOLS_REQUIREMENTS)}
    assert tools and not binder & tools, "the maintainer's tools do not belong in a student's Binder"
    for req in dev.values():
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"{req} is not pinned with =="


def test_ci_and_readme_install_the_dev_requirements():
    assert "pip install --quiet -r requirements-dev.txt" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -r requirements-dev.txt" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_post_build_installs_the_package():
    text = POST_BUILD.read_text(encoding="utf-8")
    assert text.startswith("#!"), "postBuild needs a shebang"
    assert re.search(r"pip install\b.*--no-deps.*-e \.", text), "postBuild must install nalu_lib"
    if os.name == "posix":
        assert os.access(POST_BUILD, os.X_OK), "postBuild should be executable"


# ------------------------------------------------------------------ repo2docker dry run


def _repo2docker_python() -> str:
    if importlib.util.find_spec("repo2docker") is not None:
        return sys.executable
    other = os.environ.get("REPO2DOCKER_PYTHON")
    if other:
        return other
    pytest.skip(
        "repo2docker is not installed (pip install jupyter-repo2docker, or point "
        "REPO2DOCKER_PYTHON at an interpreter that has it)"
    )


@pytest.fixture(scope="module")
def repo2docker_dry_run(tmp_path_factory) -> tuple[str, str]:
    """(Dockerfile, log) as rendered by ``repo2docker --no-build --debug``."""
    python = _repo2docker_python()
    result = subprocess.run(
        [python, "-m", "repo2docker", *DRY_RUN_ARGS, str(ROOT)],
        # repo2docker reads a repo2docker_config.py from its working directory: use an empty one.
        cwd=tmp_path_factory.mktemp("r2d"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, result.stderr


def test_repo2docker_uses_python_311(repo2docker_dry_run):
    dockerfile, log = repo2docker_dry_run
    assert "Building conda environment for python=3.11" in log
    assert "Python version unspecified" not in log
    assert "ENV KERNEL_PYTHON_PREFIX=${NB_PYTHON_PREFIX}" in dockerfile  # one env, no py2 kernel


def test_repo2docker_installs_binder_requirements_before_copying_the_repo(repo2docker_dry_run):
    dockerfile, _ = repo2docker_dry_run
    lines = dockerfile.splitlines()
    # Before the repository is copied in: a cached layer that notebook edits do not invalidate.
    assert lines.index(PIP_INSTALL) < lines.index(COPY_REPO)


def test_repo2docker_runs_post_build_after_copying_the_repo(repo2docker_dry_run):
    dockerfile, _ = repo2docker_dry_run
    lines = dockerfile.splitlines()
    assert lines.index(RUN_POST_BUILD) > lines.index(COPY_REPO)


def test_repo2docker_starts_jupyter(repo2docker_dry_run):
    dockerfile, _ = repo2docker_dry_run
    assert re.search(r'^CMD \["jupyter", ', dockerfile, re.MULTILINE)
