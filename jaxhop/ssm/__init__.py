"""Selective LTI sequence models, after Casti, Zampieri & Pasqualetti (arXiv 2505.17932, 2025).

The paper publishes no equations: the residual-generator block, the task generators and every
hyper-parameter are our design (``docs/ssm.md``).

- tasks: :class:`InductionTask`, :func:`induction_head`, :func:`extended_induction_head`,
  :func:`per_sequence_trigger`, :func:`draw_trigger`.
- LTI layer: :class:`DiagonalLTI` (recurrent and FFT-convolutional modes),
  :func:`lti_kernel`, :func:`vandermonde`, :func:`causal_conv`.
- models: the residual-generator selection block (our design) :class:`ResidualBlock`,
  :class:`ResidualModel`, :func:`delay_bank`, :func:`window_features`; the selective-scan
  (Mamba/S6) baseline :class:`SelectiveScan`, :class:`SelectiveModel`, :func:`selective_scan`;
  the Mamba-2
  (state-space dual) baseline :class:`SSDMixer`, :class:`SSDModel`, :func:`ssd_scan`; the ungated
  :class:`LTIStack` of :class:`LTILayer` s, both on the shared :class:`AbstractPreNormStack`;
  the key⊗value variant of the residual model for per-sequence triggers (our design)
  :class:`AssociativeModel`, :func:`associative_read`;
  :func:`make_model`, :data:`MODELS`, :func:`count_params`.
- training: :func:`train` (AdamW + warmup-cosine, jitted :func:`train_step`),
  :func:`evaluate`, :func:`make_optimizer`, :func:`loss_fn`, :class:`TrainResult`,
  checkpoints :func:`save_model` / :func:`load_model`.
"""

from typing import TYPE_CHECKING

from .._lazy import attach as _attach

if TYPE_CHECKING:  # the public names, imported on first use (jaxhop._lazy reads this list)
    from ._associative import (
        AssociativeModel as AssociativeModel,
        associative_read as associative_read,
    )
    from ._lti import (
        DiagonalLTI as DiagonalLTI,
        causal_conv as causal_conv,
        lti_kernel as lti_kernel,
        vandermonde as vandermonde,
    )
    from ._models import (
        MODELS as MODELS,
        LTILayer as LTILayer,
        LTIStack as LTIStack,
        count_params as count_params,
        make_model as make_model,
    )
    from ._residual import (
        ResidualBlock as ResidualBlock,
        ResidualModel as ResidualModel,
        delay_bank as delay_bank,
        window_features as window_features,
    )
    from ._selective import (
        SelectiveModel as SelectiveModel,
        SelectiveScan as SelectiveScan,
        selective_scan as selective_scan,
    )
    from ._ssd import SSDMixer as SSDMixer, SSDModel as SSDModel, ssd_scan as ssd_scan
    from ._stack import AbstractPreNormStack as AbstractPreNormStack, RMSNorm as RMSNorm
    from ._tasks import (
        InductionTask as InductionTask,
        draw_trigger as draw_trigger,
        extended_induction_head as extended_induction_head,
        induction_head as induction_head,
        per_sequence_trigger as per_sequence_trigger,
    )
    from ._train import (
        TrainResult as TrainResult,
        evaluate as evaluate,
        load_model as load_model,
        loss_fn as loss_fn,
        make_optimizer as make_optimizer,
        save_model as save_model,
        train as train,
        train_step as train_step,
    )

__getattr__, __dir__, __all__ = _attach(__name__)
