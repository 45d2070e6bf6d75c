"""Selective LTI sequence models (spec ``selection.md``).

- tasks: :class:`InductionTask`, :func:`induction_head`, :func:`extended_induction_head`,
  :func:`per_sequence_trigger`, :func:`draw_trigger`.
"""

from ._tasks import (
    InductionTask as InductionTask,
    draw_trigger as draw_trigger,
    extended_induction_head as extended_induction_head,
    induction_head as induction_head,
    per_sequence_trigger as per_sequence_trigger,
)
