"""Dense associative memory (Krotov–Hopfield, ``F(x) = x^n`` or ``exp``): recall and theory.

Spec ``dam.md``. Public API:

- model: :class:`DenseMemory` (patterns int8 or regenerated from a key; rule ``dominant`` or
  ``exact``; variant ``krotov`` or ``nbody``);
- dynamics: :func:`parallel_step`, :func:`async_sweep`, :func:`recall` (on the shared engine),
  :func:`cue`, :func:`overlap`, :func:`kappa`, :func:`num_patterns`, :func:`effective_load`;
"""

from ._dynamics import (
    async_sweep as async_sweep,
    cue as cue,
    effective_load as effective_load,
    kappa as kappa,
    num_patterns as num_patterns,
    overlap as overlap,
    parallel_step as parallel_step,
    recall as recall,
)
from ._model import (
    RULES as RULES,
    SEPARATIONS as SEPARATIONS,
    STORAGES as STORAGES,
    VARIANTS as VARIANTS,
    DenseMemory as DenseMemory,
)
from ._effective import (
    EffectiveProcess as EffectiveProcess,
    effective_process as effective_process,
)
from ._theory import (
    capacity as capacity,
    hermite_weights as hermite_weights,
    noise_coefficients as noise_coefficients,
    recurrence as recurrence,
    response_coefficients as response_coefficients,
    two_step as two_step,
)
