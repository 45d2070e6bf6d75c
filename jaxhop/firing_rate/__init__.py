"""Firing-rate associative memory with designed synapses.

Betteti, Baggio, Bullo & Zampieri, *Firing Rate Models as Associative Memory: Synaptic Design
for Robust Retrieval* (Neural Computation 37(10), 2025; arXiv 2411.07388). What is the
paper's and what is ours: ``docs/firing_rate.md``.

- activations :class:`Sigmoid`, :class:`RectTanh` (Φ, Φ', Φ⁻¹, ∫Φ⁻¹), :func:`make_activation`;
- patterns :func:`bernoulli_patterns`, :func:`shared_core_patterns`,
  :func:`exact_overlap_patterns`;
- synaptic design :func:`synaptic_design` → :class:`Design`, :func:`rescaled_memories`;
- the network :class:`FiringRateNetwork` (low-rank W, energy), simulated by :func:`simulate`;
- stability: :func:`stability_structure`, :func:`memory_matrices`, :func:`memory_lambda_max`,
  :func:`jacobian_lambda_max`, :func:`sufficient_test`, :func:`instability_test`;
- the (x*, ρ) phase diagram :func:`phase_diagram` → :class:`PhaseDiagram`
  (:func:`cell_stability` per cell);
- the retrieval experiment :func:`retrieval_experiment` → :class:`RetrievalResult`
  (cues from :func:`thinned_cues`) and the energy on a plane, :func:`energy_plane`;
- figures: :func:`plot_phase_diagrams`, :func:`plot_retrieval`, :func:`plot_energy_landscape`.
"""

from typing import TYPE_CHECKING

from .._lazy import attach as _attach

if TYPE_CHECKING:  # the public names, imported on first use (jaxhop._lazy reads this list)
    from ._activations import (
        ACTIVATIONS as ACTIVATIONS,
        AbstractActivation as AbstractActivation,
        RectTanh as RectTanh,
        Sigmoid as Sigmoid,
        make_activation as make_activation,
    )
    from ._design import (
        GAMMA_SETTINGS as GAMMA_SETTINGS,
        Design as Design,
        rescaled_memories as rescaled_memories,
        synaptic_design as synaptic_design,
    )
    from ._dynamics import num_steps_for as num_steps_for, simulate as simulate
    from ._network import FiringRateNetwork as FiringRateNetwork
    from ._patterns import (
        bernoulli_patterns as bernoulli_patterns,
        exact_overlap_count as exact_overlap_count,
        exact_overlap_patterns as exact_overlap_patterns,
        shared_core_patterns as shared_core_patterns,
    )
    from ._phase import (
        RHO_GRID as RHO_GRID,
        X_STAR_GRID as X_STAR_GRID,
        PhaseDiagram as PhaseDiagram,
        cell_stability as cell_stability,
        phase_diagram as phase_diagram,
    )
    from ._plot import (
        plot_energy_landscape as plot_energy_landscape,
        plot_phase_diagrams as plot_phase_diagrams,
        plot_retrieval as plot_retrieval,
    )
    from ._retrieval import (
        RetrievalResult as RetrievalResult,
        energy_plane as energy_plane,
        retrieval_experiment as retrieval_experiment,
        thinned_cues as thinned_cues,
    )
    from ._stability import (
        StabilityStructure as StabilityStructure,
        instability_test as instability_test,
        jacobian_lambda_max as jacobian_lambda_max,
        memory_lambda_max as memory_lambda_max,
        memory_matrices as memory_matrices,
        stability_structure as stability_structure,
        sufficient_test as sufficient_test,
    )

__getattr__, __dir__, __all__ = _attach(__name__)
