"""The kernels' view of the state: one numba StructRef holding every array of ``layout.State``.

A StructRef is passed to a kernel as one pointer; the namedtuple ``layout.State`` would be passed
as every member of every array (hundreds of arguments per call). Python keeps the namedtuple to
read results (the arrays are shared).
"""

from __future__ import annotations

from typing import Any

from numba import njit, types
from numba.experimental import structref

from simulations.compiled import layout


@structref.register
class StateType(types.StructRef):
    def preprocess_fields(self, fields: Any) -> Any:
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class StateRef(structref.StructRefProxy):  # type: ignore[misc]
    """The Python handle of a StructRef state (only passed back to kernels)."""


structref.define_proxy(StateRef, StateType, list(layout.FIELDS))


def state_type() -> Any:
    dtypes = {"f": types.float64, "i": types.int64, "j": types.int32}
    return StateType(
        [
            (name, types.Array(dtypes[code[0]], int(code[1]), "C"))
            for name, code in layout.FIELDS.items()
        ]
    )


STATE_T = state_type()


@njit(cache=True)  # type: ignore[misc]
def _make(nt):  # type: ignore[no-untyped-def]
    st = structref.new(STATE_T)
    st.C = nt.C
    st.CI = nt.CI
    st.G = nt.G
    st.GI = nt.GI
    st.HT = nt.HT
    st.HI = nt.HI
    st.QF = nt.QF
    st.QI = nt.QI
    st.RF = nt.RF
    st.RI = nt.RI
    st.QH = nt.QH
    st.QT = nt.QT
    st.QL = nt.QL
    st.LIVE = nt.LIVE
    st.EV = nt.EV
    st.ER = nt.ER
    st.PR = nt.PR
    st.PT = nt.PT
    st.PO = nt.PO
    st.BT = nt.BT
    st.NF = nt.NF
    st.NI = nt.NI
    st.NLIVE = nt.NLIVE
    st.DF = nt.DF
    st.DI = nt.DI
    st.DSV = nt.DSV
    st.DFV = nt.DFV
    st.DFR = nt.DFR
    st.DEV = nt.DEV
    st.DER = nt.DER
    st.RATE = nt.RATE
    st.SITE0 = nt.SITE0
    st.SITEN = nt.SITEN
    st.FDRAW = nt.FDRAW
    st.SCR = nt.SCR
    st.SCRP = nt.SCRP
    st.WQ = nt.WQ
    st.CAND = nt.CAND
    st.LS = nt.LS
    st.LF = nt.LF
    st.LI = nt.LI
    st.ODRAW = nt.ODRAW
    st.STAGES = nt.STAGES
    st.COLD = nt.COLD
    st.LBU = nt.LBU
    st.AREAS = nt.AREAS
    st.REC = nt.REC
    st.HH = nt.HH
    st.HE = nt.HE
    st.HPU = nt.HPU
    st.HPD = nt.HPD
    st.WIN = nt.WIN
    st.KS = nt.KS
    st.LOGF = nt.LOGF
    st.LOGI = nt.LOGI
    st.SER = nt.SER
    st.SNAP = nt.SNAP
    st.SNAPPED = nt.SNAPPED
    return st


def make(nt: Any) -> Any:
    """A StructRef over the namedtuple's arrays."""
    return _make(nt)
