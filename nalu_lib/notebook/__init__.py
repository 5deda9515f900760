"""What the notebooks call: the Setup cell, the figures, the playground's widgets, progress bars.

* :mod:`~nalu_lib.notebook.setup`: the kernel's environment and a notebook's Setup cell.
* :mod:`~nalu_lib.notebook.plots`: every figure of the series.
* :mod:`~nalu_lib.notebook.widgets`: the playground of notebook 06.
* :mod:`~nalu_lib.notebook.progress`: progress bars that leave a line behind.
"""
