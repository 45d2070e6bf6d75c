"""Run every headline workload against its baseline and print one JSON line per workload.

    python benchmarks/run_all.py [--quick] [--json] [--only NAME ...] [--readme]

Each benchmark module (``bench_<family>.py``, exposing ``run(quick) -> list[dict]``) runs in
its own subprocess, so that its peak resident memory (``peak_rss_mb``, jaxhop and baseline
together, from ``wait4``) is measured per module and one module's caches do not slow another.
Inside a module, jaxhop and its baseline run in one process: compile timed separately, warm-up,
``block_until_ready``, minimum of repeats. The machine's limits (float32 GEMM FLOP/s, memory
bandwidth) are measured in the same run; a record that reports ``flops`` (or ``bytes``) gets its
achieved fraction of the GEMM peak (or of the bandwidth).

Memory: besides each module's peak RSS, a workload may report XLA's compiled memory analysis at
its number of steps and at 4× as many (``_timing.trajectory_check``): what a user asked to keep
is *output*, so *temporary* buffers must not grow with the number of steps. A record whose
temporaries grow (``temp_grows_with_steps``) is flagged in the table and on stderr.

Workloads whose family has not implemented a benchmark are reported as ``skipped``, not faked.
Every record carries ``ratio`` against the published practice (``baseline_s``) and, where one
exists, ``strong_ratio`` against the strongest NumPy implementation of the same algorithm
(``strong_baseline_s``, interleaved with jaxhop, equal repeats); a baseline timed on part of
the workload and scaled is flagged ``extrapolated`` (``strong_extrapolated``).
``--readme`` rewrites the results table in ``benchmarks/README.md`` between its markers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# workload name → the benchmark module that produces it
WORKLOADS: dict[str, str] = {
    "saliency_map": "bench_saliency",
    "idp_network": "bench_idp",
    "sequence_network": "bench_idp",
    "random_normals": "bench_idp",
    "dam_recall": "bench_dam",
    "dam_theory": "bench_dam",
    "firing_rate_phase": "bench_firing_rate",
    "kappa_fit": "bench_saliency",
    "ssm_training": "bench_ssm",
    "sweep_saliency": "bench_sweep",
}

README_BEGIN = "<!-- run_all:begin -->"
README_END = "<!-- run_all:end -->"


def _run_module(module: str, quick: bool) -> tuple[list[dict], float, str]:
    """Run ``module.run(quick)`` in a child process; return its records, peak RSS (MB), stderr."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import {module} as m\n"
        f"for r in m.run(quick={quick}):\n    print('RECORD ' + json.dumps(r), flush=True)\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH")]))
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=err, env=env)
        # wait4 (not Popen.wait) so the peak RSS is this child's alone
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    peak_mb = usage.ru_maxrss / 1024  # Linux reports KiB
    records = [json.loads(line[7:]) for line in stdout.splitlines() if line.startswith("RECORD ")]
    if child.returncode != 0:
        raise RuntimeError(stderr.strip().splitlines()[-1] if stderr.strip() else "failed")
    return records, peak_mb, stderr


def _module_exists(module: str) -> bool:
    return (HERE / f"{module}.py").exists()


def run_all(quick: bool, only: list[str] | None = None, progress=print) -> tuple[dict, list[dict]]:
    import machine

    limits = machine.limits(quick)
    names = [name for name in WORKLOADS if only is None or name in only]
    results: dict[str, dict] = {}
    for module in dict.fromkeys(WORKLOADS[name] for name in names):
        wanted = [name for name in names if WORKLOADS[name] == module]
        if not _module_exists(module):
            for name in wanted:
                reason = f"{module}.py missing"
                results[name] = {"name": name, "status": "skipped", "reason": reason}
            continue
        progress(f"[run_all] {module} …")
        start = time.perf_counter()
        try:
            records, peak_mb, _ = _run_module(module, quick)
        except Exception as error:  # a broken benchmark is reported, not hidden
            for name in wanted:
                results[name] = {"name": name, "status": "error", "reason": str(error)}
            continue
        wall = time.perf_counter() - start
        by_name = {rec["name"]: rec for rec in records}
        for name in wanted:
            if name not in by_name:
                results[name] = {
                    "name": name,
                    "status": "skipped",
                    "reason": f"{module}.run() has no {name!r} record",
                }
                continue
            rec = dict(by_name[name])
            rec.setdefault("status", "ok")
            rec["module_peak_rss_mb"] = round(peak_mb, 1)
            rec["module_wall_s"] = round(wall, 2)
            if rec.get("flops"):
                peak = limits["gemm_gflops"] * 1e9
                rec["gemm_fraction"] = rec["flops"] / rec["jaxhop_s"] / peak
            if rec.get("bytes"):
                rec["bandwidth_fraction"] = (
                    rec["bytes"] / rec["jaxhop_s"] / (limits["bandwidth_gbs"] * 1e9)
                )
            results[name] = rec
        # extra records a module produces (e.g. scaling points) are kept too
        for name, rec in by_name.items():
            if name not in WORKLOADS:
                results.setdefault(name, {**rec, "status": rec.get("status", "ok")})
    return limits, [results[name] for name in results]


def _fmt(value, digits=3):
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _times(ratio) -> str:
    text = _fmt(ratio)
    return text if text == "—" else f"{text}×"


def _temp_memory(rec: dict) -> str:
    """XLA temporaries at the workload's steps and at 4× the steps (``trajectory_check``)."""
    if "temp_mb" not in rec:
        return "—"
    grown = rec.get("temp_mb_4x_steps")
    flag = " **grows**" if rec.get("temp_grows_with_steps") else ""
    return f"{_fmt(rec['temp_mb'])} ({_fmt(grown)}){flag}"


def table(limits: dict, records: list[dict]) -> str:
    lines = [
        f"Machine: {limits['cpu_count']} CPU cores ({limits.get('cpu_model')}; "
        f"{', '.join(limits.get('cpu_simd', []))}), {limits['platform']} ({limits['device']}), "
        f"jax {limits['jax']}; float32 GEMM {limits['gemm_gflops']:.0f} GFLOP/s "
        f"(XLA {limits['gemm_gflops_xla']:.0f}, NumPy {limits['gemm_gflops_numpy']:.0f}), "
        f"memory bandwidth {limits['bandwidth_gbs']:.1f} GB/s.",
        "",
        "| workload | jaxhop s | baseline s | ratio | strong baseline s | strong ratio | "
        "compile s | peak RSS MB | temp MB (4× steps) | of limit | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for rec in records:
        if rec.get("status") != "ok":
            lines.append(f"| `{rec['name']}` | {rec['status']}: {rec.get('reason', '')} |||||||||")
            continue
        fraction = rec.get("gemm_fraction") or rec.get("bandwidth_fraction")
        target = str(rec.get("target", "")).replace("|", r"\|")
        kind = "GEMM" if rec.get("gemm_fraction") else "bandwidth"
        scaled = " (scaled)" if rec.get("extrapolated") else ""
        strong_scaled = " (scaled)" if rec.get("strong_extrapolated") else ""
        met = {True: " ✔", False: " ✘"}.get(rec.get("strong_target_met"), "")
        strong_goal = f" (≥ {_fmt(rec['strong_target'])}×{met})" if "strong_target" in rec else ""
        lines.append(
            f"| `{rec['name']}` | {_fmt(rec.get('jaxhop_s'))} | "
            f"{_fmt(rec.get('baseline_s'))}{scaled} | {_times(rec.get('ratio'))} | "
            f"{_fmt(rec.get('strong_baseline_s'))}{strong_scaled} | "
            f"{_times(rec.get('strong_ratio'))}{strong_goal} | {_fmt(rec.get('compile_s'))} | "
            f"{_fmt(rec.get('peak_rss_mb', rec.get('module_peak_rss_mb')))} | "
            f"{_temp_memory(rec)} | "
            f"{f'{fraction:.0%} {kind}' if fraction else '—'} | "
            f"{target} |"
        )
    return "\n".join(lines)


def _write_readme(text: str) -> None:
    path = HERE / "README.md"
    content = path.read_text()
    if README_BEGIN not in content:
        content += f"\n## Latest run_all results\n\n{README_BEGIN}\n{README_END}\n"
    head, rest = content.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    path.write_text(f"{head}{README_BEGIN}\n{text}\n{README_END}{tail}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run every headline benchmark.")
    parser.add_argument("--quick", action="store_true", help="small sizes (< 5 min on 2 cores)")
    parser.add_argument("--json", action="store_true", help="only JSON lines on stdout")
    parser.add_argument("--only", nargs="+", choices=sorted(WORKLOADS), default=None)
    parser.add_argument("--readme", action="store_true", help="update benchmarks/README.md")
    args = parser.parse_args(argv)

    def progress(message):
        print(message, file=sys.stderr, flush=True)

    limits, records = run_all(args.quick, args.only, progress)
    print(json.dumps({"name": "machine", **limits}))
    for rec in records:
        print(json.dumps(rec))
    if not args.json:
        print(table(limits, records), file=sys.stderr)
    grows = [rec["name"] for rec in records if rec.get("temp_grows_with_steps")]
    checked = sum("temp_grows_with_steps" in rec for rec in records)
    progress(
        f"[run_all] trajectory check: {checked} workload(s) checked; "
        + (f"temporaries grow with steps in {grows}" if grows else "none stores its trajectory")
    )
    if args.readme:
        _write_readme(table(limits, records) + f"\n\n(`--quick`: {args.quick})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
