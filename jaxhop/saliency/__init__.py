"""The saliency map of sequential retrieval, and fitting its gain κ.

Betteti, Baggio & Zampieri, *A Dynamical Theory of Sequential Retrieval in Input-Driven Hopfield
Networks* (arXiv 2603.03201, 2026). A memory retrieved with saliency ``Z_k`` dwells for
``T_k = ln Z_k`` and hands over to its successor with ``Z_{k+1} = κ(1 − 1/Z_k)``; ``Z ≤ 1`` is
a collapse. See ``docs/saliency.md`` for the derivations and figures.

- the map and its closed forms (:func:`fixed_points`, :func:`period`, :func:`regime`,
  :func:`collapse_index`, :func:`cumulative_time`, :func:`kappa_for_period`) and orbits on the
  shared engine (:func:`orbit`, :func:`retrievals`, :func:`soft_retrievals`);
- κ fitted by gradient (:func:`fit_kappa_to_period`, :func:`fit_kappa_to_dwell_times`,
  :func:`fit_kappa_to_retrievals`), each through the generic loop :func:`jaxhop.fit.fit`;
- figures: :func:`plot_phase_diagram`, :func:`plot_orbits`.
"""

from typing import TYPE_CHECKING

from .._lazy import attach as _attach

if TYPE_CHECKING:  # the public names, imported on first use (jaxhop._lazy reads this list)
    from ._fit import (
        KappaFit as KappaFit,
        fit_kappa_to_dwell_times as fit_kappa_to_dwell_times,
        fit_kappa_to_period as fit_kappa_to_period,
        fit_kappa_to_retrievals as fit_kappa_to_retrievals,
    )
    from ._map import (
        COLLAPSE as COLLAPSE,
        DECAY as DECAY,
        INVALID as INVALID,
        KAPPA_CRITICAL as KAPPA_CRITICAL,
        PERIODIC as PERIODIC,
        REGIMES as REGIMES,
        collapse_index as collapse_index,
        cumulative_time as cumulative_time,
        dwell_times as dwell_times,
        fixed_points as fixed_points,
        is_collapsed as is_collapsed,
        kappa_for_period as kappa_for_period,
        min_period as min_period,
        multipliers as multipliers,
        orbit as orbit,
        period as period,
        regime as regime,
        retrievals as retrievals,
        saliency_map as saliency_map,
        soft_retrievals as soft_retrievals,
    )
    from ._plot import plot_orbits as plot_orbits, plot_phase_diagram as plot_phase_diagram

__getattr__, __dir__, __all__ = _attach(__name__)
