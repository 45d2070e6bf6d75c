"""The machine's limits, measured in the benchmark run: float32 GEMM FLOP/s and memory
bandwidth. Workloads report their achieved fraction of the limit that binds them.

``python benchmarks/machine.py`` prints one JSON object.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import time_jax, time_min  # noqa: E402


def gemm_gflops(n: int = 2048) -> dict:
    """float32 n×n×n GEMM throughput, XLA (jax) and NumPy (BLAS); 2n³ FLOPs per product."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    aj, bj = jnp.asarray(a), jnp.asarray(b)
    matmul = jax.jit(jnp.matmul)
    _, xla_s = time_jax(lambda: matmul(aj, bj), repeats=5)
    numpy_s = time_min(lambda: a @ b, repeats=5)
    flops = 2 * n**3
    return {
        "gemm_n": n,
        "gemm_gflops_xla": flops / xla_s / 1e9,
        "gemm_gflops_numpy": flops / numpy_s / 1e9,
        "gemm_gflops": max(flops / xla_s, flops / numpy_s) / 1e9,
    }


def memory_bandwidth_gbs(megabytes: int = 512) -> dict:
    """Streaming bandwidth: ``x ← 2x`` in place over a large float32 array (one read + one
    write per element). The buffer is donated, so the output reuses it: a fresh output buffer
    would be first-touched (page faults) on every call and measure the allocator, not memory
    (on this CPU 3.5 GB/s instead of ≈ 20 GB/s)."""
    n = megabytes * 2**20 // 4
    scale = jax.jit(lambda v: 2 * v, donate_argnums=0)
    state = {"x": jnp.ones(n, jnp.float32)}

    def run():
        state["x"] = scale(state["x"])
        return state["x"]

    _, seconds = time_jax(run, repeats=5)
    return {"bandwidth_gbs": 2 * n * 4 / seconds / 1e9, "bandwidth_array_mb": megabytes}


# SIMD features that change which GEMM kernels run (int8 VNNI, AVX-512, AMX).
_SIMD_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8")


def cpu_info(path: str = "/proc/cpuinfo") -> dict:
    """The processor as the system reports it: model name and the SIMD flags among
    :data:`_SIMD_FLAGS` (read, never assumed; empty where the file is missing)."""
    model, flags = platform.processor() or None, set()
    try:
        text = Path(path).read_text()
    except OSError:
        return {"cpu_model": model, "cpu_simd": []}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "model name" and value.strip():
            model = value.strip()
        elif key == "flags":
            flags = set(value.split())
        if model and flags:
            break
    return {"cpu_model": model, "cpu_simd": [f for f in _SIMD_FLAGS if f in flags]}


def describe() -> dict:
    """Where the numbers were taken."""
    device = jax.devices()[0]
    return {
        **cpu_info(),
        "platform": device.platform,
        "device": getattr(device, "device_kind", str(device)),
        "device_count": jax.device_count(),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "jax": jax.__version__,
    }


def limits(quick: bool = False) -> dict:
    return {
        **describe(),
        **gemm_gflops(1024 if quick else 2048),
        **memory_bandwidth_gbs(128 if quick else 512),
    }


if __name__ == "__main__":
    print(json.dumps(limits("--quick" in sys.argv)))
