"""Selective LTI sequence models (spec ``selection.md``).

- tasks: :class:`InductionTask`, :func:`induction_head`, :func:`extended_induction_head`,
  :func:`per_sequence_trigger`, :func:`draw_trigger`.
- LTI layer: :class:`DiagonalLTI` (recurrent and FFT-convolutional modes),
  :func:`lti_kernel`, :func:`vandermonde`, :func:`causal_conv`.
"""

from ._lti import (
    DiagonalLTI as DiagonalLTI,
    causal_conv as causal_conv,
    lti_kernel as lti_kernel,
    vandermonde as vandermonde,
)
from ._tasks import (
    InductionTask as InductionTask,
    draw_trigger as draw_trigger,
    extended_induction_head as extended_induction_head,
    induction_head as induction_head,
    per_sequence_trigger as per_sequence_trigger,
)
