"""Why n ≥ 3 is robust: n = 2 (full GFA process, N = 2048) against n = 3 (effective process).

Writes ``docs/dam_order2.png`` and ``docs/dam_order2_summary.json`` (``docs/dam.md``). Run:
``PYTHONPATH=$PWD python docs/dam_order2.py`` (≈ 2 min on 2 shared CPU cores).
"""

import json
import pathlib

import jax
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from jaxhop.dam import (  # noqa: E402
    effective_process,
    hopfield_process,
    recall_then_collapse,
    recurrence,
    simulate_recall,
)

HERE = pathlib.Path(__file__).parent
M0S = [0.4, 0.5, 0.6, 0.7, 0.8]
STEPS, TRIALS, PATHS = 20, 40, 2**15
RISE, FALL = 0.8, 0.5  # rise to ≥ 0.8, later fall below 0.5
CASES = {2: dict(size=2048, load=0.16), 3: dict(size=512, load=0.27)}


def run():
    out = {}
    for order, cfg in CASES.items():
        sim = simulate_recall(
            jax.random.key(order),
            order=order,
            steps=STEPS,
            m0=M0S,
            trials=TRIALS,
            pattern_sets=10,
            **cfg,
        )
        m_sim = np.asarray(sim.m, np.float64)  # (m0s, trials, T+1)
        theo, noise = [], []
        for j, m0 in enumerate(M0S):
            k = jax.random.key(100 + j)
            if order == 2:
                p = hopfield_process(m0, cfg["load"], STEPS, key=k, paths=PATHS)
                noise.append(np.diag(np.asarray(p.noise)) / cfg["load"])
            else:
                p = effective_process(m0, cfg["load"], order, STEPS, key=k, paths=PATHS)
                noise.append(np.ones(STEPS))  # α Σ a_k C(t,t)^k / α' = 1: C(t,t) = 1
            theo.append(np.asarray(p.m, np.float64))
        theo = np.array(theo)
        rtc_sim = np.asarray(recall_then_collapse(m_sim, RISE, FALL))
        rtc_theo = np.asarray(recall_then_collapse(theo, RISE, FALL))
        out[order] = dict(
            **cfg,
            m0=M0S,
            m_sim=m_sim.mean(1).tolist(),
            m_theory=theo.tolist(),
            m_gamma0=[np.asarray(recurrence(m, cfg["load"], order, STEPS)).tolist() for m in M0S],
            noise_diag=np.array(noise).tolist(),
            rtc_sim_by_m0=rtc_sim.mean(1).tolist(),
            rtc_sim=float(rtc_sim.mean()),
            rtc_theory_by_m0=rtc_theo.astype(float).tolist(),
            rtc_theory=float(rtc_theo.mean()),
            trials=int(m_sim.shape[1]),
        )
    return out


def plot(out):
    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    t = np.arange(STEPS + 1)
    for order, style in ((2, "-"), (3, "--")):
        o = out[order]
        for j, m0 in enumerate(M0S):
            c = f"C{j}"
            ax[0].plot(t, o["m_sim"][j], style, color=c, alpha=0.6)
            ax[0].plot(t, o["m_theory"][j], style, color=c, marker="o", ms=2, lw=0.8)
            ax[1].plot(
                t[:-1],
                o["noise_diag"][j],
                style,
                color=c,
                label=f"n={order}, m0={m0}" if order == 2 else None,
            )
    ax[0].set(
        xlabel="t",
        ylabel="m(t)",
        title="n=2 (solid, N=2048, α=0.16) / n=3 (dashed, "
        "N=512, α'=0.27)\nlines: simulation mean; dots: full theory",
    )
    ax[1].set(
        xlabel="t",
        ylabel="noise variance / α'",
        title="R_noise(t,t): n=2 full GFA (solid) vs n≥3 (dashed, ≡ 1)",
    )
    ax[1].legend(fontsize=7)
    x = np.arange(len(M0S))
    for k, order in enumerate((2, 3)):
        o = out[order]
        ax[2].bar(x + 0.2 * k - 0.3, o["rtc_sim_by_m0"], 0.2, label=f"n={order} simulation")
        ax[2].bar(
            x + 0.2 * k + 0.1, o["rtc_theory_by_m0"], 0.2, label=f"n={order} theory", alpha=0.6
        )
    ax[2].set_xticks(x, [str(m) for m in M0S])
    ax[2].set(xlabel="m0", ylabel="fraction", title=f"recall then collapse (≥{RISE}, then <{FALL})")
    ax[2].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(HERE / "dam_order2.png", dpi=110)


if __name__ == "__main__":
    out = run()
    (HERE / "dam_order2_summary.json").write_text(json.dumps(out, indent=1))
    plot(out)
    for order in (2, 3):
        o = out[order]
        print(order, "rtc sim", o["rtc_sim_by_m0"], "theory", o["rtc_theory_by_m0"])
