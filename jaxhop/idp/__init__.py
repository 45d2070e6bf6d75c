"""IDP Hopfield networks and two-timescale sequential retrieval.

The IDP network is that of Betteti, Baggio, Bullo & Zampieri, *Input-driven dynamics for robust
memory retrieval in Hopfield networks* (Sci. Adv. 11(17), 2025; arXiv 2411.05849). The
two-timescale network follows Betteti, Baggio & Zampieri (arXiv 2603.03201, 2026), whose
equations were not available to us: :class:`SequenceNetwork` is our reconstruction. What is
the papers' and what is ours: ``docs/idp.md``.

- memories: :func:`random_memories`, :func:`hadamard_memories`, saliency read-out
  :func:`saliencies_from_input` and input synthesis :func:`input_from_saliencies`;
- IDP network :class:`IDPNetwork` and the additive comparator :class:`AdditiveNetwork`, driven
  by a piecewise-constant :class:`SaliencySchedule`, simulated by :func:`simulate`; the
  published experiments (:func:`published_experiment`);
- the two-timescale network :class:`SequenceNetwork` (reconstruction), simulated by
  :func:`simulate_sequence`, its events (:func:`extract_events`) and the exact ε → 0 fast path
  (:func:`adiabatic_events`); the continuous solve (:func:`solve_sequence`,
  :func:`sequence_events`); fitting κ through the simulation (:func:`fit_network_kappa`,
  :func:`network_dwell_times`); the ε → 0 limit measured (:func:`map_count_boundary`,
  :func:`network_count_boundary`).
"""

from typing import TYPE_CHECKING

from .._lazy import attach as _attach

if TYPE_CHECKING:  # the public names, imported on first use (jaxhop._lazy reads this list)
    from ._continuous import (
        CONTINUOUS_SOLVERS as CONTINUOUS_SOLVERS,
        ContinuousSolution as ContinuousSolution,
        DenseChord as DenseChord,
        continuous_events as continuous_events,
        sequence_events as sequence_events,
        solve_sequence as solve_sequence,
    )
    from ._dynamics import (
        ExperimentResult as ExperimentResult,
        glitch_schedule as glitch_schedule,
        published_experiment as published_experiment,
        published_saliencies as published_saliencies,
        pulse_schedule as pulse_schedule,
        simulate as simulate,
        window_schedule as window_schedule,
    )
    from ._events import (
        SequenceEvents as SequenceEvents,
        adiabatic_events as adiabatic_events,
        extract_events as extract_events,
    )
    from ._fit import (
        fit_network_kappa as fit_network_kappa,
        network_dwell_times as network_dwell_times,
    )
    from ._limit import (
        map_count_boundary as map_count_boundary,
        network_count_boundary as network_count_boundary,
    )
    from ._memories import (
        hadamard_memories as hadamard_memories,
        input_from_saliencies as input_from_saliencies,
        random_memories as random_memories,
        saliencies_from_input as saliencies_from_input,
    )
    from ._network import (
        ACTIVATIONS as ACTIVATIONS,
        AdditiveNetwork as AdditiveNetwork,
        IDPNetwork as IDPNetwork,
        SaliencySchedule as SaliencySchedule,
        activation as activation,
    )
    from ._plot import plot_experiment as plot_experiment, plot_sequence as plot_sequence
    from ._retrieval import (
        METHODS as METHODS,
        map_prediction as map_prediction,
        sequential_retrieval as sequential_retrieval,
    )
    from ._sequence import (
        DRIVES as DRIVES,
        SequenceNetwork as SequenceNetwork,
        cyclic_successor as cyclic_successor,
        sequence_init as sequence_init,
        simulate_sequence as simulate_sequence,
    )

__getattr__, __dir__, __all__ = _attach(__name__)
