"""Progress bars that leave a readable line behind (notebooks 01, 04, 05, 07 and 09 loop with
:func:`progress`; ``train(..., progress=True)`` shows a :class:`ProgressBar` in notebooks 02 and 03).

A ``tqdm`` bar in a notebook is a widget. Where widgets cannot render (GitHub, nbviewer, a
notebook opened without its kernel) a saved notebook shows the bar's text form as it was when
first drawn, ``0/12``, for ever. :class:`ProgressBar` draws the same bar while the work runs and,
when it is done, replaces it with one line of text, ``activations: 12/12 done in 27 s``, which
reads the same everywhere. Outside a notebook it is a plain ``tqdm`` bar followed by that line.

::

    for activation in progress(ACTIVATIONS, "activations"):
        ...
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["ProgressBar", "progress"]

T = TypeVar("T")


def _in_notebook() -> bool:
    """Whether ``tqdm.auto`` would draw a widget (a Jupyter kernel with ipywidgets)."""
    from tqdm.auto import tqdm as auto
    from tqdm.notebook import tqdm_notebook

    return issubclass(auto, tqdm_notebook)


class ProgressBar:
    """A ``tqdm`` bar of ``total`` steps that ends as one line of text (see the module docstring).

    Call :meth:`update` as work gets done and :meth:`close` at the end (or use it in a ``with``
    block); :attr:`summary` is the line it leaves.

    Args:
        total: How many steps the work has.
        desc: What is counted, shown before the bar and in the summary.
        unit: The name of one step, for the bar's rate.

    The trainers' ``progress=True`` draws one (notebooks 02 and 03); :func:`progress` wraps it.
    """

    def __init__(self, total: int, desc: str, unit: str = "it"):
        from tqdm.auto import tqdm

        self.total, self.desc = int(total), desc
        self.started = time.perf_counter()
        self._handle = None
        if _in_notebook():
            from IPython.display import display

            self.bar = tqdm(total=self.total, desc=desc, unit=unit, display=False)
            self._handle = display(self.bar.container, display_id=True)
        else:
            self.bar = tqdm(total=self.total, desc=desc, unit=unit)
        self.closed = False

    def update(self, n: int = 1) -> None:
        """Count ``n`` more steps done (the trainers call it after each chunk)."""
        self.bar.update(n)

    @property
    def summary(self) -> str:
        """``"<desc>: <done>/<total> done in <seconds> s"``, the line the bar leaves behind."""
        seconds = time.perf_counter() - self.started
        return f"{self.desc}: {self.bar.n}/{self.total} done in {seconds:.0f} s"

    def close(self) -> None:
        """End the bar and leave :attr:`summary` in its place (in a notebook) or below it; a second
        call does nothing."""
        if self.closed:
            return
        self.closed = True
        line = self.summary
        self.bar.close()
        if self._handle is not None:
            self._handle.update({"text/plain": line}, raw=True)
        else:
            print(line)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress(iterable: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """Loop over ``iterable`` with a :class:`ProgressBar`; after the last item the bar becomes
    one line of text. ``desc`` says what is counted; ``total`` defaults to ``len(iterable)``.
    Notebooks 01, 04, 05, 07 and 09 use it."""
    if total is None:
        total = len(iterable)  # type: ignore[arg-type]
    with ProgressBar(total, desc) as bar:
        for item in iterable:
            yield item
            bar.update()
