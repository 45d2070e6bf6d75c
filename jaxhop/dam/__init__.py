"""Dense associative memory (Krotov–Hopfield, ``F(x) = x^n`` or ``exp``): recall and theory.

Source: Mimura, Takeuchi, Sumikawa, Kabashima & Coolen, *Dynamical properties of dense
associative memory* (ICLR 2026; arXiv 2506.00851); results, and what is ours: ``docs/dam.md``.
Public API:

- model: :class:`DenseMemory` (patterns int8 or regenerated from a key; rule ``dominant`` or
  ``exact``; variant ``krotov`` or ``nbody``);
- dynamics: :func:`parallel_step`, :func:`async_sweep`, :func:`recall` (on the shared engine;
  ``observe="trace"`` → :class:`RecallTrace`), :func:`convergence` → :class:`Convergence`,
  :func:`trace_from_states`, :func:`cue`, :func:`overlap`, :func:`kappa`,
  :func:`num_patterns`, :func:`effective_load`;
- experiments: :func:`simulate_recall` (trials over independent pattern sets) →
  :class:`RecallResult`,
  :func:`recall_summary`, :func:`recall_memory_bytes`; theory against simulation
  :func:`theory_vs_simulation`, :func:`phase_diagram`, :func:`basin_edge`;
- theory: :func:`recurrence` (Γ = 0), :func:`capacity`, :func:`two_step` (closed form with
  Γ(1,0)), :func:`effective_process` (Monte-Carlo single-site process) → :class:`EffectiveProcess`,
  :func:`hopfield_process` (n = 2, full generating-functional process) →
  :class:`HopfieldProcess`, :func:`recall_then_collapse`, :func:`hermite_weights`,
  :func:`noise_coefficients`, :func:`response_coefficients`;
- dynamical capacity (simulation + finite-size scaling): :func:`dynamical_capacity`,
  :func:`success_crossing`, :func:`bisect_crossing`, :func:`finite_size_fit`,
  :data:`REFERENCE_CAPACITY`;
- detailed balance (exact enumeration, N ≤ 12): :func:`detailed_balance` →
  :class:`DetailedBalance`, :func:`attractor_periods`, :func:`transition_matrix`,
  :func:`balance_residual`, :func:`coupling_matrix`, :func:`state_space`;
- figures: :func:`plot_recall`, :func:`plot_recall_grid`, :func:`plot_phase_diagram`,
  :func:`plot_basin`, :func:`plot_convergence`, :func:`plot_correlation`,
  :func:`plot_capacity`.
"""

from typing import TYPE_CHECKING

from .._lazy import attach as _attach

if TYPE_CHECKING:  # the public names, imported on first use (jaxhop._lazy reads this list)
    from ._balance import (
        DetailedBalance as DetailedBalance,
        attractor_periods as attractor_periods,
        balance_residual as balance_residual,
        coupling_matrix as coupling_matrix,
        detailed_balance as detailed_balance,
        state_space as state_space,
        transition_matrix as transition_matrix,
    )
    from ._capacity import (
        REFERENCE_CAPACITY as REFERENCE_CAPACITY,
        bisect_crossing as bisect_crossing,
        dynamical_capacity as dynamical_capacity,
        finite_size_fit as finite_size_fit,
        success_crossing as success_crossing,
    )
    from ._dynamics import (
        Convergence as Convergence,
        RecallTrace as RecallTrace,
        async_sweep as async_sweep,
        convergence as convergence,
        cue as cue,
        effective_load as effective_load,
        kappa as kappa,
        num_patterns as num_patterns,
        overlap as overlap,
        parallel_step as parallel_step,
        recall as recall,
        trace_from_states as trace_from_states,
    )
    from ._effective import (
        EffectiveProcess as EffectiveProcess,
        effective_process as effective_process,
    )
    from ._experiments import (
        basin_edge as basin_edge,
        phase_diagram as phase_diagram,
        theory_vs_simulation as theory_vs_simulation,
    )
    from ._hopfield import (
        HopfieldProcess as HopfieldProcess,
        hopfield_process as hopfield_process,
        recall_then_collapse as recall_then_collapse,
    )
    from ._model import (
        RULES as RULES,
        SEPARATIONS as SEPARATIONS,
        STORAGES as STORAGES,
        VARIANTS as VARIANTS,
        DenseMemory as DenseMemory,
    )
    from ._plot import (
        plot_basin as plot_basin,
        plot_capacity as plot_capacity,
        plot_convergence as plot_convergence,
        plot_correlation as plot_correlation,
        plot_phase_diagram as plot_phase_diagram,
        plot_recall as plot_recall,
        plot_recall_grid as plot_recall_grid,
    )
    from ._recall import (
        RecallResult as RecallResult,
        recall_memory_bytes as recall_memory_bytes,
        recall_summary as recall_summary,
        simulate_recall as simulate_recall,
    )
    from ._theory import (
        capacity as capacity,
        hermite_weights as hermite_weights,
        noise_coefficients as noise_coefficients,
        recurrence as recurrence,
        response_coefficients as response_coefficients,
        two_step as two_step,
    )

__getattr__, __dir__, __all__ = _attach(__name__)
