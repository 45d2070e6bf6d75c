"""The N = ∞ crossing of the capacity protocol from the effective process (``docs/dam.md``).

For n = 3 and each (m0, T): the mean of m(T) over independent Monte-Carlo runs of the effective
process on a grid of loads α', and the load where it crosses 1/2 (``success_crossing``: linear
interpolation of the decreasing fit). Near
the crossing single runs scatter widely (at T = 20, α' = 0.40: m(20) = 0.54–0.70 over four
runs of 2¹³ paths), and few paths bias m(T) low (0.621, 0.647, 0.662 mean of four runs at 2¹³,
2¹⁵, 2¹⁷ paths), so every point is the mean of four runs of 2¹⁷ paths (2¹⁶ at T = 100).
Writes ``docs/dam_capacity_theory.json``. Run: ``PYTHONPATH=$PWD python
docs/dam_capacity_theory.py`` (≈ 6 min on 2 CPU cores).
"""

import json
import pathlib
import time

import jax
import numpy as np

from jaxhop.dam import effective_process, success_crossing

HERE = pathlib.Path(__file__).parent
SEEDS = 4
CASES = [  # (m0, T, paths, loads)
    (1.0, 20, 2**17, (0.42, 0.44, 0.46, 0.48)),
    (1.0, 50, 2**17, (0.33, 0.35, 0.37, 0.39)),
    (1.0, 100, 2**16, (0.32, 0.34, 0.36, 0.38)),
    (0.9, 20, 2**17, (0.38, 0.40, 0.42)),
]


def run() -> list[dict]:
    rows = []
    for m0, steps, paths, loads in CASES:
        start = time.perf_counter()
        finals = np.array(
            [
                [
                    float(
                        effective_process(
                            m0, load, 3, steps, key=jax.random.key(100 + seed), paths=paths
                        ).m[-1]
                    )
                    for seed in range(SEEDS)
                ]
                for load in loads
            ]
        )
        mean = finals.mean(1)
        rows.append(
            dict(
                m0=m0,
                steps=steps,
                paths=paths,
                seeds=SEEDS,
                loads=list(loads),
                m_final_mean=mean.tolist(),
                m_final_sem=(finals.std(1) / np.sqrt(SEEDS)).tolist(),
                m_final_runs=finals.tolist(),
                crossing=success_crossing(loads, mean),
                seconds=time.perf_counter() - start,
            )
        )
        print(json.dumps({k: rows[-1][k] for k in ("m0", "steps", "crossing")}), flush=True)
    return rows


if __name__ == "__main__":
    (HERE / "dam_capacity_theory.json").write_text(json.dumps(run(), indent=1) + "\n")
