"""The units as Keras 3 layers, one file each, written in ``keras.ops``.

* :mod:`~nalu_lib.units.base`: :class:`ArithmeticUnit`, what every unit shares.
* :mod:`~nalu_lib.units.nac`: the NAC (Trask et al. 2018), notebook 02.
* :mod:`~nalu_lib.units.nalu`: the NALU (Trask et al. 2018), notebook 03.
* :mod:`~nalu_lib.units.sparse`: the clipping and sparsity regulariser the NAU and NMU share,
  and :class:`SparsitySchedule`, which keeps the regulariser on the optimizer's step under ``fit``.
* :mod:`~nalu_lib.units.nau`, :mod:`~nalu_lib.units.nmu`: the NAU and NMU (Madsen & Johansen
  2020), notebook 05.
* :mod:`~nalu_lib.units.npu`: the NPU and RealNPU (Heim, Pevny & Smidl 2020), notebook 10.
* :mod:`~nalu_lib.units.inalu`: the iNALU (Schlör, Ring & Hotho 2020), notebook 10.
* :mod:`~nalu_lib.units.recurrent`: the NAC and NALU as RNN cells, notebooks 07 and 08.
"""

from nalu_lib.units.base import ArithmeticUnit
from nalu_lib.units.inalu import INALU
from nalu_lib.units.nac import NAC, nac_weight
from nalu_lib.units.nalu import NALU
from nalu_lib.units.nau import NAU, NAUUniform
from nalu_lib.units.nmu import NMU
from nalu_lib.units.npu import NPU, RealNPU, relevance_gate
from nalu_lib.units.recurrent import EveryStep, RecurrentNAC, RecurrentNALU, recurrent_loop
from nalu_lib.units.sparse import Clip, SparseUnit, SparsitySchedule, sparsity_regularizer, sparsity_schedule

__all__ = [
    "INALU",
    "NAC",
    "NALU",
    "NAU",
    "NMU",
    "NPU",
    "ArithmeticUnit",
    "Clip",
    "EveryStep",
    "NAUUniform",
    "RealNPU",
    "RecurrentNAC",
    "RecurrentNALU",
    "SparseUnit",
    "SparsitySchedule",
    "nac_weight",
    "recurrent_loop",
    "relevance_gate",
    "sparsity_regularizer",
    "sparsity_schedule",
]
