"""benchmarks/run_all.py: records carry the contract's keys; missing workloads are skipped."""

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import run_all  # noqa: E402

REQUIRED = {"name", "jaxhop_s", "baseline_s", "ratio", "compile_s", "target"}


def test_run_all_reports_ok_and_skipped(monkeypatch, capsys):
    monkeypatch.setattr(
        run_all,
        "WORKLOADS",
        {"saliency_map": "bench_saliency", "not_there": "bench_no_such_family"},
    )
    code = run_all.main(["--quick", "--json"])
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_name = {rec["name"]: rec for rec in lines}
    machine = by_name["machine"]
    assert machine["gemm_gflops"] > 0 and machine["bandwidth_gbs"] > 0
    saliency = by_name["saliency_map"]
    assert saliency["status"] == "ok" and REQUIRED <= set(saliency)
    assert saliency["ratio"] == pytest.approx(saliency["baseline_s"] / saliency["jaxhop_s"])
    assert saliency["module_peak_rss_mb"] > 0
    assert saliency["temp_grows_with_steps"] is False and saliency["temp_mb"] > 0
    assert by_name["not_there"]["status"] == "skipped"


def test_table_escapes_pipes():
    limits = {
        "cpu_count": 2,
        "platform": "cpu",
        "device": "cpu",
        "jax": "x",
        "gemm_gflops": 1.0,
        "gemm_gflops_xla": 1.0,
        "gemm_gflops_numpy": 1.0,
        "bandwidth_gbs": 1.0,
    }
    rec = {
        "name": "w",
        "status": "ok",
        "jaxhop_s": 1.0,
        "baseline_s": 2.0,
        "ratio": 2.0,
        "compile_s": 0.1,
        "target": "|dT| < 1e-5",
    }
    text = run_all.table(limits, [rec])
    assert r"\|dT\|" in text and text.splitlines()[-1].count(" | ") == 10
    flagged = run_all.table(
        limits, [{**rec, "temp_mb": 1.0, "temp_mb_4x_steps": 9.0, "temp_grows_with_steps": True}]
    )
    assert "**grows**" in flagged.splitlines()[-1]


def _scan_workload(keep_trajectory: bool):
    """A toy workload: 1,000-float state for ``steps`` steps; final state, or a cumulative sum
    of the stacked trajectory computed inside (a hidden trajectory the user did not ask for)."""
    import jax
    import jax.numpy as jnp

    def build(steps):
        def run(y0):
            def body(y, _):
                y = 0.99 * y + 0.01
                return y, y

            final, states = jax.lax.scan(body, y0, None, length=steps)
            return final + (jnp.sort(states, axis=0)[0] if keep_trajectory else 0.0)

        return jax.jit(run), (jnp.ones(1000),)

    return build


def test_trajectory_check_flags_hidden_trajectories():
    from _timing import trajectory_check

    clean = trajectory_check(_scan_workload(False), 2000)
    hidden = trajectory_check(_scan_workload(True), 2000)
    assert clean["temp_grows_with_steps"] is False
    assert hidden["temp_grows_with_steps"] is True
    # 2,000 steps × 1,000 float32 states ≈ 7.6 MB stored, 4× that at 4× the steps
    assert hidden["temp_mb_4x_steps"] > 3 * hidden["temp_mb"] > 3 * 7


def test_trajectory_check_accepts_observations_that_were_asked_for():
    """Saving every state through the engine is asked for: it is output, not flagged."""
    import jax
    import jax.numpy as jnp
    from _timing import trajectory_check

    import jaxhop as jh

    def build(steps):
        def run(y0):
            return jh.integrate(
                lambda model, y, t, key: 0.99 * y + 0.01, None, y0, num_steps=steps, save_every=1
            ).ys

        return jax.jit(run), (jnp.ones(1000),)

    check = trajectory_check(build, 2000)
    assert check["output_mb_4x_steps"] > 3 * check["output_mb"] > 3 * 7
    assert check["temp_grows_with_steps"] is False


def test_cpu_info_reads_the_system_not_a_guess(tmp_path):
    """machine.cpu_info reports the model name and the SIMD flags the file lists, nothing else."""
    import machine

    fake = tmp_path / "cpuinfo"
    fake.write_text(
        "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Platinum 8488C\n"
        "flags\t\t: fpu sse2 avx2 fma avx512f avx512bw avx512_vnni amx_int8\n"
    )
    assert machine.cpu_info(str(fake)) == {
        "cpu_model": "Intel(R) Xeon(R) Platinum 8488C",
        "cpu_simd": ["avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "amx_int8"],
    }
    fake.write_text("processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx2 fma\n")
    assert machine.cpu_info(str(fake)) == {"cpu_model": "AMD EPYC", "cpu_simd": ["avx2", "fma"]}
    missing = machine.cpu_info(str(tmp_path / "absent"))
    assert missing["cpu_simd"] == []
