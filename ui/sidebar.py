"""The scenario sidebar: a preset picker and the inputs, grouped as an architect thinks.

Every widget takes its default, range, step and help text from the Scenario schema (the field's
constraints and docstring) and the catalog; nothing is typed twice. Edits apply on Run (a
form), so dragging a slider does not start ten simulations. Invalid combinations are reported
by field and the previous scenario stays in force.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import annotated_types
import streamlit as st
from pydantic import BaseModel

from planner.catalog import load_catalog
from planner.errors import ScenarioError
from planner.formatting import compact, label
from planner.presets import apply_overrides, list_presets, load
from planner.scenario import Scenario
from ui import state, volume


@dataclass(frozen=True)
class Spec:
    path: str
    label: str
    kind: str = "number"  # number | log | select | bool
    choices: tuple[str, ...] = ()


def class_specs(s: Scenario) -> list[Spec]:
    """Inputs of the first request class: tokens for LLM work, frame size for vision."""
    if not s.workload.is_llm:
        return [Spec("workload.request_classes.0.payload_kb", "frame size (kB)")]
    return llm_specs()


def llm_specs() -> list[Spec]:
    c = "workload.request_classes.0."
    return [
        Spec(c + "prompt_tokens_mean", "prompt tokens (mean)"),
        Spec(c + "output_tokens_mean", "output tokens (mean)"),
        Spec(c + "model_params_b", "model size (B params)"),
    ]


GROUPS: dict[str, list[Spec]] = {
    "Workload": [
        Spec("workload.requests_per_month", "requests per month (log scale)", "log"),
        Spec(
            "workload.daily_profile",
            "daily profile",
            "select",
            ("flat", "office_hours", "evening_peak", "industrial_24x7"),
        ),
        Spec(
            "workload.weekly_profile",
            "weekly profile",
            "select",
            ("flat", "weekday_heavy", "weekdays_only"),
        ),
        Spec("workload.arrival_process", "arrivals", "select", ("poisson", "periodic")),
        Spec("workload.sensitive_share", "sensitive share"),
    ],
    "SLO": [
        Spec("slo.p95_ms", "p95 target (ms)"),
        Spec("slo.p99_ms", "p99 target (ms)"),
        Spec("slo.ttft_p95_ms", "TTFT p95 target (ms)"),
        Spec("slo.hard_deadline", "hard deadline", "bool"),
    ],
    "Edge": [
        Spec("edge.device", "device profile", "select"),
        Spec("edge.device_count", "devices"),
        Spec("edge.sites", "sites"),
        Spec("edge.concurrency_per_device", "concurrency per device"),
        Spec("edge.queue_limit", "queue limit per device"),
    ],
    "Network": [
        Spec("network.link", "link profile", "select"),
        Spec("network.outages_per_day", "outages per day (blank: profile)"),
    ],
    "Cloud": [
        Spec("cloud.gpu", "GPU", "select"),
        Spec("cloud.pricing", "pricing", "select", ("on_demand", "serverless", "reserved")),
        Spec("cloud.gpu_hourly_usd", "USD per GPU-hour (blank: catalog)"),
        Spec("cloud.min_replicas", "min replicas"),
        Spec("cloud.max_replicas", "max replicas"),
        Spec("cloud.autoscaler.kind", "autoscaler", "select", ("fixed", "kpa", "hpa", "schedule")),
        Spec("cloud.autoscaler.container_concurrency_target", "KPA concurrency target"),
        Spec("cloud.autoscaler.stable_window_s", "KPA stable window (s)"),
        Spec("cloud.autoscaler.target_inflight_per_replica", "HPA target in flight"),
        Spec("cloud.batching.max_batch_size", "max batch size"),
        Spec("cloud.batching.max_queue_delay_ms", "max queue delay (ms)"),
        Spec("cloud.batching.max_concurrent_sequences", "max concurrent sequences"),
    ],
    "Policy": [
        Spec(
            "policy.routing.kind",
            "routing",
            "select",
            ("edge_only", "cloud_only", "local_first", "split"),
        ),
        Spec("policy.routing.queue_threshold", "fallback at queue length"),
        Spec("policy.routing.wait_threshold_s", "fallback at expected wait (s)"),
        Spec("policy.routing.fallback_rate_per_s", "fallback rate limit (/s)"),
        Spec("policy.routing.monthly_budget_usd", "monthly cloud budget (USD)"),
        Spec("policy.sensitive_may_leave_site", "sensitive data may leave the site", "bool"),
    ],
    "Organisation": [
        Spec("compliance.fleet_ops_capacity", "fleet-ops capacity", "bool"),
        Spec("compliance.quantization_acceptable", "quantisation acceptable", "bool"),
        Spec("compliance.capex_preferred", "capex preferred", "bool"),
        Spec("compliance.local_integrations", "local integrations", "bool"),
        Spec("compliance.multi_tenant", "multi-tenant", "bool"),
    ],
    "Simulation": [
        Spec("simulation.seed", "seed"),
        Spec("simulation.replications", "replications"),
    ],
}


def resolve(s: Scenario, path: str) -> tuple[BaseModel, str, Any] | None:
    """(owning model instance, field name, value) for a dotted path, None when absent."""
    node: Any = s
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else getattr(node, part, None)
        if node is None:
            return None
    if not isinstance(node, BaseModel) or last not in type(node).model_fields:
        return None
    return node, last, getattr(node, last)


def bounds(model: BaseModel, name: str) -> tuple[float | None, float | None]:
    lo = hi = None
    for m in type(model).model_fields[name].metadata:
        if isinstance(m, annotated_types.Ge | annotated_types.Gt):
            lo = float(m.ge if isinstance(m, annotated_types.Ge) else m.gt)
        if isinstance(m, annotated_types.Le | annotated_types.Lt):
            hi = float(m.le if isinstance(m, annotated_types.Le) else m.lt)
    return lo, hi


def choices_for(spec: Spec) -> tuple[str, ...]:
    cat = load_catalog()
    table = {"edge.device": cat.devices, "cloud.gpu": cat.gpus, "network.link": cat.links}
    return tuple(table[spec.path]) if spec.path in table else spec.choices


def key(path: str) -> str:
    return f"in:{path}"


def widget(spec: Spec, s: Scenario) -> None:
    found = resolve(s, spec.path)
    if found is None:
        return
    model, name, value = found
    info = type(model).model_fields[name]
    help_text = info.description or None
    k = key(spec.path)
    if spec.kind == "select":
        opts = choices_for(spec)
        if not isinstance(value, str):
            st.caption(f"{spec.label}: custom (set by preset or link)")
            return
        st.selectbox(spec.label, opts, key=k, help=help_text, format_func=label)
    elif spec.kind == "bool":
        st.checkbox(spec.label, key=k, help=help_text)
    elif spec.kind == "log":
        lo, hi = bounds(model, name)
        top, why = volume.held_limit(s, hi or 1e11)
        top_log = math.floor(math.log10(top) * 100) / 100
        st.session_state[state.REFUSED] = volume.refusal(s, top, why)
        if st.session_state.get(k, 0.0) > top_log:
            st.session_state[k] = top_log
        st.slider(
            spec.label,
            0.0,
            top_log,
            key=k,
            step=0.01,
            help=f"{help_text or ''} Up to {top:,.0f}: {why}. {volume.RAISE_LIMIT}",
            format="10^%.2f",
        )
        # with bursts or seasons the month simulated holds more than this baseline: say so,
        # or the Overview's 'standing for 321k a month' reads as a contradiction
        w = s.workload
        baseline = " (baseline, before bursts and seasons)" if w.bursts or w.seasons else ""
        st.caption(
            f"= {10 ** st.session_state[k]:,.0f} requests / month{baseline}; {peak_text(s)}; "
            f"at most {compact(top)} requests / month: {why}"
        )
    else:
        lo, hi = bounds(model, name)
        is_int = info.annotation is int or (isinstance(value, int) and not isinstance(value, bool))
        cast = int if is_int else float
        st.number_input(
            spec.label,
            key=k,
            help=help_text,
            step=1 if is_int else None,
            min_value=cast(lo) if lo is not None else None,
            max_value=cast(hi) if hi is not None else None,
            format=None if is_int else "%g",
        )


def peak_text(s: Scenario) -> str:
    from planner.plan import hourly_shape, weekly_shape

    w = s.workload
    day, week = hourly_shape(w), weekly_shape(w)
    ratio = day.max() / day.mean() * week.max() / week.mean()
    bursts = max([b.multiplier for b in w.bursts] + [1.0])
    extra = f", bursts x{bursts:g}" if bursts > 1 else ""
    return f"busy hour x{ratio:.1f} the mean{extra}"


def widget_value(spec: Spec, value: Any) -> Any:
    if spec.kind == "log":
        return math.log10(value)
    return value


def from_widget(spec: Spec, raw: Any) -> Any:
    if spec.kind == "log":
        v = 10**raw
        return float(f"{v:.3g}")
    return raw


BURST_FIELDS = ("days_per_month", "start_hour", "duration_hours", "multiplier")
BURST_LABELS = ("burst days per month (0: none)", "burst start hour", "burst hours", "burst x")


def burst_widgets(s: Scenario) -> None:
    """The first recurring burst (more bursts come from presets or links and are kept)."""
    from planner.scenario import Burst

    for name, text in zip(BURST_FIELDS, BURST_LABELS, strict=True):
        lo, hi = bounds(Burst(), name)
        is_int = name == "days_per_month"
        st.number_input(
            text,
            key=f"burst:{name}",
            help=Burst.model_fields[name].description,
            min_value=0 if is_int else lo,
            max_value=int(hi) if is_int and hi else hi,
            step=1 if is_int else None,
            format=None if is_int else "%g",
        )
    if len(s.workload.bursts) > 1:
        st.caption(f"+{len(s.workload.bursts) - 1} more bursts from the preset or link")


def load_bursts(s: Scenario) -> None:
    from planner.scenario import Burst

    first = s.workload.bursts[0] if s.workload.bursts else Burst()
    for name in BURST_FIELDS:
        st.session_state[f"burst:{name}"] = getattr(first, name)
    if not s.workload.bursts:
        st.session_state["burst:days_per_month"] = 0


def burst_edit(s: Scenario) -> list[dict[str, Any]] | None:
    """The bursts list the widgets ask for, or None when it is unchanged."""
    if "burst:days_per_month" not in st.session_state:
        return None
    rest = [b.model_dump() for b in s.workload.bursts[1:]]
    days = st.session_state["burst:days_per_month"]
    first = [] if not days else [{n: st.session_state[f"burst:{n}"] for n in BURST_FIELDS}]
    wanted = first + rest
    return None if wanted == [b.model_dump() for b in s.workload.bursts] else wanted


def load_widgets(s: Scenario) -> None:
    """Put the scenario's values into the widgets (after a preset change or a link)."""
    load_bursts(s)
    for specs in GROUPS.values():
        for spec in specs + class_specs(s):
            found = resolve(s, spec.path)
            if found is not None and (spec.kind != "select" or isinstance(found[2], str)):
                st.session_state[key(spec.path)] = widget_value(spec, found[2])
    st.session_state["widgets_for"] = state.canonical(s)


def edits(s: Scenario) -> dict[str, Any]:
    """Dotted-path overrides for every widget whose value differs from the scenario."""
    out: dict[str, Any] = {}
    for specs in GROUPS.values():
        for spec in specs + class_specs(s):
            k = key(spec.path)
            found = resolve(s, spec.path)
            if found is None or k not in st.session_state:
                continue
            new = from_widget(spec, st.session_state[k])
            if new != found[2] and not (
                spec.kind == "log" and math.isclose(new, found[2], rel_tol=5e-3)
            ):
                out[spec.path] = new
    bursts = burst_edit(s)
    if bursts is not None:
        out["workload.bursts"] = bursts
    return out


def on_preset() -> None:
    state.set_scenario(load(st.session_state["preset_pick"]))


def render() -> None:
    s = state.scenario()
    names = [n for n, _ in list_presets()]
    if st.session_state.get("widgets_for") != state.canonical(s):
        load_widgets(s)
        st.session_state["preset_pick"] = s.preset if s.preset in names else names[0]
    with st.sidebar:
        # Run first: it must be on screen without scrolling the sidebar
        if st.button("Run", type="primary", width="stretch", key="run_button"):
            apply_edits(s)
        st.selectbox(
            "Preset",
            names,
            key="preset_pick",
            on_change=on_preset,
            help="Start from a sourced preset; the link records only what you change.",
        )
        st.caption(dict(list_presets()).get(s.preset or "", ""))
        for group, specs in GROUPS.items():
            extra = class_specs(s) if group == "Workload" else []
            with st.expander(group, expanded=group in ("Workload", "Policy")):
                for spec in specs + extra:
                    widget(spec, s)
                if group == "Workload":
                    burst_widgets(s)
        st.caption("Share this scenario (the link reopens it exactly):")
        st.code(state.share_url(), language=None, wrap_lines=True)
    st.session_state["stale"] = bool(edits(s))


def labelled(message: str, s: Scenario) -> str:
    """A validation message with each input's label in place of its internal field path."""
    specs = [spec for specs in GROUPS.values() for spec in specs] + class_specs(s)
    for spec in sorted(specs, key=lambda x: -len(x.path)):
        message = message.replace(spec.path, f"'{spec.label}'")
    for name, text in zip(BURST_FIELDS, BURST_LABELS, strict=True):
        message = message.replace(f"workload.bursts.0.{name}", f"'{text}'")
    return message


def apply_edits(s: Scenario) -> None:
    changes = edits(s)
    if not changes:
        st.session_state["form_error"] = None
        return
    try:
        new = apply_overrides(
            s, dict(sorted(changes.items(), key=lambda kv: not kv[0].endswith(".kind")))
        )
    except ScenarioError as exc:
        st.session_state["form_error"] = labelled(str(exc), s)
        return
    st.session_state["form_error"] = None
    st.session_state[state.MESSAGES] = []
    state.set_scenario(new)
    st.rerun()
