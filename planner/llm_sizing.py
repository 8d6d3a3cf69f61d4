"""Model size sets speed and feasibility of an LLM replica on a catalog GPU.

Like loading a lorry: the weights must fit in the GPUs' memory with room left for the KV cache
(the load's packing), and how fast it drives is set by how quickly it can read its whole load once
per token (memory bandwidth / weight bytes). A replica takes the fewest GPUs in tensor parallel
(1, 2, 4 or 8) that hold the weights plus KV room and respect the catalog's per-GPU model-size
ceiling; decode speed is the bandwidth roofline at the measured efficiency, prefill scales with
compute (2 x parameters FLOPs per token); both are capped by the catalog's measured figures for
that GPU (measured on an 8B-class model), so a small model never runs faster than was measured
and a large one runs slower. Sizes in GB (1e9 bytes), speeds in tokens per second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from planner.catalog import Gpu

Precision = Literal["fp16", "fp8", "int8", "int4"]

BYTES_PER_PARAM: dict[str, float] = {"fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5625}
"""cluster-billing ref: fp16/bf16 2 B, fp8/int8 1 B, int4 ~0.5 B plus scales (group-128 scales
add ~1/8: D)."""
REFERENCE_PARAMS_B = 8.0
"""The catalog's LLM speed figures are for an 8B-class model (ref 4b / 7b)."""
ROOFLINE_EFFICIENCY = 0.77
"""Single-stream decode reaches ~77 % of the bandwidth roofline (A100, Llama-3.1-8B BF16, vLLM:
johnmusgrave.com sweep, cluster-billing ref, grade M)."""
USABLE_MEMORY = 0.9
"""vLLM's default gpu_memory_utilization (0.9)."""
KV_BYTES_PER_TOKEN_8B = 2 * 32 * 8 * 128 * 2
"""Llama-3-8B with GQA in fp16: 2 x 32 layers x 8 KV heads x 128 x 2 B = 128 KiB per token."""
TENSOR_PARALLEL = (1, 2, 4, 8)


@dataclass(frozen=True)
class LlmReplica:
    """One replica of the model on ``gpus`` GPUs of the chosen type."""

    gpus: int
    weights_gb: float
    kv_capacity_tokens: float
    single_tps: float
    aggregate_tps: float
    prefill_tps: float


def kv_bytes_per_token(params_b: float) -> float:
    """KV bytes per token, scaled from Llama-3-8B by sqrt(size): layers and width both grow
    (D, L: gives ~380 KiB for 70B where Llama-3-70B has 320 KiB)."""
    return KV_BYTES_PER_TOKEN_8B * math.sqrt(params_b / REFERENCE_PARAMS_B)


def size_replica(
    gpu: Gpu,
    gpu_key: str,
    params_b: float,
    precision: Precision,
    min_kv_tokens: float,
    field: str = "model_params_b",
) -> LlmReplica:
    """The smallest tensor-parallel replica that holds the model; ValueError naming
    ``model_params_b``, the GPU and its memory when even 8 GPUs cannot."""
    weights_gb = params_b * BYTES_PER_PARAM[precision]
    kv_gb_per_token = kv_bytes_per_token(params_b) / 1e9
    memory = gpu.memory_gb.v
    ceiling = gpu.llm.max_model_params_b.v
    for tp in TENSOR_PARALLEL:
        free_gb = tp * memory * USABLE_MEMORY - weights_gb
        if params_b <= ceiling * tp and free_gb >= min_kv_tokens * kv_gb_per_token:
            return _speeds(gpu, tp, params_b, weights_gb, free_gb / kv_gb_per_token)
    raise ValueError(
        f"{field} ({params_b:g}) at {precision} needs {weights_gb:g} GB of weights plus KV "
        f"cache; '{gpu_key}' has {memory:g} GB per GPU (catalog ceiling {ceiling:g}B per GPU) and "
        f"even 8 GPUs in tensor parallel cannot hold it; choose a larger cloud.gpu or a lower "
        "cloud.precision"
    )


def _speeds(gpu: Gpu, tp: int, params_b: float, weights_gb: float, kv_tokens: float) -> LlmReplica:
    llm = gpu.llm
    roofline = ROOFLINE_EFFICIENCY * tp * gpu.memory_bandwidth_gbs.v / weights_gb
    single = min(llm.single_stream_tps.v, roofline)
    ratio = single / llm.single_stream_tps.v
    prefill = min(llm.prefill_tps.v, llm.prefill_tps.v * tp * REFERENCE_PARAMS_B / params_b)
    return LlmReplica(
        gpus=tp,
        weights_gb=weights_gb,
        kv_capacity_tokens=kv_tokens,
        single_tps=single,
        aggregate_tps=llm.aggregate_tps.v * ratio,
        prefill_tps=prefill,
    )
