"""The enterprise checklist and risk matrix of the source article, answered per architecture.

Like a pre-flight checklist signed separately for two aircraft: the same items (identity and
SSO, encryption, residency, isolation, backups and audit, signed OTA, supply chain), each marked
done, planned, not applicable or a gap for the edge fleet and for the cloud pool. Residency is
not self-declared: it is checked against the simulation (did any sensitive request cross a
site's link?). Gaps feed the decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.formatting import count, pct
from planner.scenario import Scenario

ARCHS = ("edge", "cloud")


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    edge_practice: str
    cloud_practice: str


CHECKLIST = (
    Item(
        "device_identity_sso",
        "Device identity and SSO",
        "Per-device certificates and short-lived tokens; OIDC/SAML for the control plane",
        "OIDC/SAML SSO with RBAC on the management plane",
    ),
    Item(
        "encryption",
        "Encrypted at rest and in transit",
        "Full-disk encryption on devices; TLS + mTLS for telemetry",
        "Server-side encryption of volumes; TLS everywhere",
    ),
    Item(
        "data_residency",
        "Data residency",
        "Map data flows; sensitive data processed on site",
        "Region-locked deployment; no sensitive data leaves the permitted region",
    ),
    Item(
        "multi_tenant_isolation",
        "Multi-tenant isolation",
        "Per-tenant containers or microVMs (Firecracker) with cgroups and seccomp",
        "Namespaces, network policies, GPUs pinned per tenant where needed",
    ),
    Item(
        "backups_audit",
        "Backups and immutable audit logs",
        "Encrypted backups of models and telemetry to a central store; write-once audit logs",
        "Routine backups to immutable storage; write-once audit logs",
    ),
    Item(
        "secure_ota_signing",
        "Secure OTA and model signing",
        "Sign model artifacts and OTA bundles; verify before loading; canary updates",
        "Signed images and models in the registry; admission checks",
    ),
    Item(
        "supply_chain_firmware",
        "Supply chain and firmware",
        "Vetted hardware vendors; firmware update policy for the fleet",
        "Provider attestation; base-image and dependency scanning",
    ),
)

RISKS = (
    (
        "drift",
        "Drift and model decay",
        "Monitor accuracy; shadow testing and scheduled retraining; push updates via signed OTA",
    ),
    (
        "device_compromise",
        "Device compromise",
        "Hardware-backed keys, secure boot, least privilege; revoke certificates centrally",
    ),
    (
        "budget_shock",
        "Cloud budget shocks",
        "Throttles, circuit breakers and budget alerts on cloud fallback",
    ),
    (
        "format_incompatibility",
        "Model format incompatibility",
        "Standardise on ONNX or Triton-compatible formats; conversion tests in CI",
    ),
)


@dataclass(frozen=True)
class Checklist:
    status: dict[str, dict[str, str]]
    """item id -> {'edge': status, 'cloud': status}."""
    gaps: dict[str, list[str]]
    """architecture -> item ids that are gaps."""
    residency_verified: bool
    """True when no sensitive request crossed a site's link against the scenario's rules."""
    risks: list[dict[str, str]]

    def as_dict(self) -> dict[str, object]:
        items = [{"id": it.id, "title": it.title, **self.status[it.id]} for it in CHECKLIST]
        return {
            "items": items,
            "gaps": self.gaps,
            "residency_verified": self.residency_verified,
            "risks": self.risks,
        }


def item_status(s: Scenario, item: Item, arch: str) -> str:
    given = (s.compliance.edge if arch == "edge" else s.compliance.cloud).get(item.id)
    if given is not None:
        return given
    if item.id == "multi_tenant_isolation" and not s.compliance.multi_tenant:
        return "not_applicable"
    if item.id == "data_residency" and s.workload.sensitive_share == 0:
        return "not_applicable"
    return "gap"


def risk_rows(s: Scenario, figures: dict[str, float]) -> list[dict[str, str]]:
    """Each risk with its likelihood and impact here (from the scenario and the simulation)."""
    fallback = figures.get("fallback_rate", 0.0)
    policy = s.policy.routing
    capped = policy.kind == "local_first" and policy.monthly_budget_usd is not None
    sensitive = s.workload.sensitive_share > 0
    level = {
        "drift": "medium",
        "device_compromise": "high" if s.edge.device_count > 100 else "medium",
        "budget_shock": "low"
        if policy.kind == "edge_only" or capped
        else ("high" if fallback > 0.1 or policy.kind == "cloud_only" else "medium"),
        "format_incompatibility": "medium" if policy.kind in ("local_first", "split") else "low",
    }
    impact = {
        "drift": "high" if s.slo.hard_deadline else "medium",
        "device_compromise": "high" if sensitive else "medium",
        "budget_shock": "low" if capped or policy.kind == "edge_only" else "high",
        "format_incompatibility": "medium",
    }
    return [
        {
            "id": rid,
            "risk": title,
            "likelihood": level[rid],
            "impact": impact[rid],
            "mitigation": mitigation,
        }
        for rid, title, mitigation in RISKS
    ]


def evaluate_checklist(s: Scenario, figures: dict[str, float]) -> Checklist:
    """Checklist state per architecture; residency checked against the simulated flows."""
    status = {it.id: {a: item_status(s, it, a) for a in ARCHS} for it in CHECKLIST}
    leaked = figures.get("sensitive_left_site", 0.0)
    verified = s.policy.sensitive_may_leave_site or leaked == 0
    if s.workload.sensitive_share > 0 and not verified:
        status["data_residency"] = {a: "gap" for a in ARCHS}
    gaps = {a: [i for i, st in status.items() if st[a] == "gap"] for a in ARCHS}
    return Checklist(status, gaps, verified, risk_rows(s, figures))


def both(s: Scenario, item: Item) -> str:
    edge, cloud = (item_status(s, item, a).replace("_", " ") for a in ARCHS)
    return f"edge {edge}, cloud {cloud}"


def quick_decisions(s: Scenario, f: dict[str, float]) -> list[dict[str, str]]:
    """The source article's ten quick operational decisions, answered from the scenario and the
    simulation; each answer names the scenario field or figure that feeds the decision rules."""
    target = s.slo.latency_target_ms
    sensitive = s.workload.sensitive_share > 0 and not s.policy.sensitive_may_leave_site
    routing = s.policy.routing
    throttled = routing.kind == "local_first" and routing.monthly_budget_usd is not None
    rows = [
        (
            "Do you need <50 ms latency?",
            "yes: design for local inference" if target is not None and target <= 50 else "no",
            "slo.p99_ms / p95_ms / p50_ms",
        ),
        (
            "Is raw data regulated?",
            f"yes: {s.workload.sensitive_share:.0%} of requests must stay on site"
            if sensitive
            else "no",
            "workload.sensitive_share, policy.sensitive_may_leave_site",
        ),
        (
            "Can the model be quantised without unacceptable quality loss?",
            "yes" if s.compliance.quantization_acceptable else "no: favours cloud GPUs",
            "compliance.quantization_acceptable",
        ),
        (
            "Do you have ops capacity for fleet OTA and security?",
            "yes" if s.compliance.fleet_ops_capacity else "no: prefer cloud",
            "compliance.fleet_ops_capacity",
        ),
        (
            "Monthly inferences and expected GPU hours?",
            # the scenario's own routing: the article's local-first hybrid holds fewer GPU
            # hours than cloud-only (the Compare page has each architecture's)
            f"{f.get('requests_per_month.arrived', float('nan')):,.0f} requests, "
            f"{f.get('cloud.gpu_hours', float('nan')):,.1f} GPU hours a month as this "
            f"scenario routes them, {f.get('cloud.gpu_hours_billed', float('nan')):,.1f} "
            f"billed ({routing.kind.replace('_', '-')}; Compare has every architecture's)",
            "simulation",
        ),
        (
            "Multi-tenant isolation planned from day one?",
            item_status(s, CHECKLIST[3], "cloud") if s.compliance.multi_tenant else "single tenant",
            "compliance.multi_tenant, checklist multi_tenant_isolation",
        ),
        (
            "SSO and RBAC for the management plane?",
            both(s, CHECKLIST[0]),
            "checklist device_identity_sso",
        ),
        (
            "Backups encrypted and audit logs immutable?",
            both(s, CHECKLIST[4]),
            "checklist backups_audit",
        ),
        (
            "Fallback throttles and cost limits defined?",
            "yes: rate limit and budget cap"
            if throttled
            else (
                "rate limit only"
                if routing.kind == "local_first"
                else "not applicable to this policy"
            ),
            "policy.routing.fallback_rate_per_s, monthly_budget_usd",
        ),
        (
            "Run a 3-month pilot and measure TCO?",
            "this simulation is the desk study; pilot one site before rollout",
            "-",
        ),
    ]
    return [{"question": q, "answer": a, "from": src} for q, a, src in rows]


def residency_price(figures: dict[str, float]) -> str | None:
    """What keeping sensitive data on site cost in a run: the requests dropped because no
    device at their site can run them and they may not go to the cloud (None when none)."""
    monthly = figures.get("requests_per_month.dropped_by_reason.residency", 0.0)
    arrived = figures.get("requests_per_month.arrived", 0.0)
    if not monthly or not arrived:
        return None
    return (
        f"Residency has a price here: {count(monthly)} sensitive requests a month "
        f"({pct(monthly / arrived)} of all requests) are dropped, not served. Their model or "
        "context does not fit the site's devices and the scenario forbids sending sensitive data "
        "to the cloud (policy.sensitive_may_leave_site is off); a larger device, a smaller model "
        "for that class, or allowing the cloud for them would serve them."
    )


def residency_statement(
    s: Scenario, runs: list[tuple[str, dict[str, float]]]
) -> tuple[bool, str] | None:
    """Whether sensitive data stayed on site in every simulated architecture (and in words), from
    each run's count of sensitive requests that crossed a site's link (``runs``: name and
    figures); None
    when the scenario has no data that must stay. A reader deciding on residency reads it on the
    decision's first page, not only on the compliance page."""
    if s.workload.sensitive_share == 0 or s.policy.sensitive_may_leave_site or not runs:
        return None
    leaked = [name for name, f in runs if f.get("sensitive_left_site", 0.0) > 0]
    share = pct(s.workload.sensitive_share)
    names = [name for name, _ in runs]
    names_text = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    if not leaked:
        return True, (
            f"Sensitive data ({share} of requests) stayed on site in every simulated "
            f"architecture: no sensitive request crossed a site's link in the {names_text} "
            f"run{'s' if len(names) > 1 else ''}."
        )
    return False, (
        f"Sensitive data ({share} of requests) left a site in the simulation of: "
        f"{', '.join(leaked)}, against the scenario's rule (policy.sensitive_may_leave_site off)."
    )


def routing_check_text(chk: Checklist, left_site: float) -> str:
    """What the simulation verified about residency (the routing) beside the checklist's
    data-residency control, which the simulation cannot verify ('Residency verified' stood
    above a residency row reading 'gap')."""
    left = f"{count(left_site)} sensitive requests left a site."
    if not chk.residency_verified:
        return f"Routing NOT verified in the simulation: {left}"
    names = (("edge", "edge fleet"), ("cloud", "cloud pool"))
    still = [n for a, n in names if chk.status["data_residency"][a] == "gap"]
    control = (
        " The checklist's 'Data residency' item is the organisation's control (data-flow map, "
        "region-locked deployment), not the routing: still a gap for the "
        f"{' and the '.join(still)} until it is in place."
        if still
        else ""
    )
    return f"Routing verified in the simulation: {left}{control}"


def hybrid_patterns(s: Scenario) -> list[dict[str, str]]:
    """The source article's three hybrid patterns: which this scenario uses, and what the planner
    simulates of each (federated aggregation moves model updates, not inference requests, so it
    is named, never simulated)."""
    kind = s.policy.routing.kind
    rows = [
        (
            "Local-first with cloud fallback",
            "local_first",
            "simulated: devices first; rate-limited (policy.routing.fallback_rate_per_s) and "
            "budget-capped (monthly_budget_usd) fallback to the GPU pool; sensitive requests "
            "never fall back unless policy.sensitive_may_leave_site",
        ),
        (
            "Model splitting (split inference)",
            "split",
            "simulated: an on-device encoder (encoder_ms), a reduced payload "
            "(payload_reduction) and the rest of the work in the pool; embeddings of sensitive "
            "requests leave the site only with sensitive_split_allowed",
        ),
        (
            "Federated and private aggregation",
            "",
            "not simulated: it ships model updates for training, not inference requests; raw "
            "data stays on the devices, so residency holds as in edge-only, and secure "
            "aggregation needs its own engineering and compliance review",
        ),
    ]
    return [
        {
            "pattern": name,
            "this scenario": "yes (policy.routing.kind)" if key and key == kind else "no",
            "in the planner": what,
        }
        for name, key, what in rows
    ]
