"""The compiled loop counts its events by kind (``layout.GI_KIND``): what benchmarks break the
loop's time down by. Every event is counted once under its kind."""

from __future__ import annotations

from planner.engine_inputs import eligible_by_class, segment_inputs
from planner.plan import build_plan
from planner.presets import apply_overrides, load
from simulations.compiled import kernels, kloop, prepare, stateref
from simulations.compiled import layout as L


def test_events_by_kind_add_up_to_the_events_run() -> None:
    kernels.compile_all()
    s = apply_overrides(load("article_1m_chat"), {"workload.requests_per_month": 20_000})
    inp = segment_inputs(s, build_plan(s), 0)[0]
    req = prepare.traffic(inp)
    qf, qi = prepare.requests(inp, req, eligible_by_class(s))
    st = prepare.build(inp, req, qf, qi, 1)
    prepare.init_globals(st, inp)
    assert kloop.run(stateref.make(st), float(st.C[L.C_END]), False) == 0
    kinds = st.GI[L.GI_KIND : L.GI_KIND + L.N_KINDS]
    assert int(kinds.sum()) == int(st.GI[L.GI_EVENTS]) > 0
    # an arrival event per request that was not due at time 0 (random arrivals: all but none)
    assert 0 < kinds[L.E_ARR] <= len(req)
    assert kinds[L.E_MON] == st.CI[L.CI_N_MINUTES]  # one a minute, the first at time 0
    assert len(L.EVENT_KINDS) == L.N_KINDS and L.EVENT_KINDS[L.E_DEV] == "device"
