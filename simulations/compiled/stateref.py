"""The kernels' view of the state: one numba StructRef holding every array of ``layout.State``.

A StructRef is passed to a kernel as one pointer; the namedtuple ``layout.State`` would be passed
as every member of every array (hundreds of arguments per call). Python keeps the namedtuple to
read results (the arrays are shared).

The StructRef holds *borrowed* views of the namedtuple's arrays: the same data, shape and
numpy object, but no numba reference count (a null meminfo). numba takes and drops a reference
on every array it reads from the state (``st.QF[...]``): an atomic add on the array's counter,
where a null meminfo costs a test. The namedtuple owns the arrays and outlives every kernel call
(``run_segment`` holds it); an array a kernel grows is a new, owned array in the field.
"""

from __future__ import annotations

from typing import Any

from numba import njit, types
from numba.core.extending import intrinsic
from numba.experimental import structref
from numba.np.arrayobj import make_array, populate_array

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


@intrinsic  # type: ignore[misc]
def borrowed(typingctx, arr):  # type: ignore[no-untyped-def]
    """The array without its reference count: same data, shape, strides and numpy object."""

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        src = make_array(sig.args[0])(context, builder, args[0])
        out = make_array(sig.return_type)(context, builder)
        populate_array(
            out,
            data=src.data,
            shape=src.shape,
            strides=src.strides,
            itemsize=src.itemsize,
            meminfo=None,
            parent=src.parent,
        )
        return out._getvalue()

    return arr(arr), codegen


@njit(cache=True)  # type: ignore[misc]
def _make(nt):  # type: ignore[no-untyped-def]
    st = structref.new(STATE_T)
    st.C = borrowed(nt.C)
    st.CI = borrowed(nt.CI)
    st.G = borrowed(nt.G)
    st.GI = borrowed(nt.GI)
    st.HT = borrowed(nt.HT)
    st.HI = borrowed(nt.HI)
    st.QF = borrowed(nt.QF)
    st.QI = borrowed(nt.QI)
    st.RF = borrowed(nt.RF)
    st.RI = borrowed(nt.RI)
    st.QH = borrowed(nt.QH)
    st.QT = borrowed(nt.QT)
    st.QL = borrowed(nt.QL)
    st.LIVE = borrowed(nt.LIVE)
    st.EV = borrowed(nt.EV)
    st.ER = borrowed(nt.ER)
    st.PR = borrowed(nt.PR)
    st.PT = borrowed(nt.PT)
    st.PO = borrowed(nt.PO)
    st.BT = borrowed(nt.BT)
    st.NF = borrowed(nt.NF)
    st.NI = borrowed(nt.NI)
    st.NLIVE = borrowed(nt.NLIVE)
    st.DF = borrowed(nt.DF)
    st.DI = borrowed(nt.DI)
    st.DSV = borrowed(nt.DSV)
    st.DFV = borrowed(nt.DFV)
    st.DFR = borrowed(nt.DFR)
    st.DEV = borrowed(nt.DEV)
    st.DER = borrowed(nt.DER)
    st.RATE = borrowed(nt.RATE)
    st.SITE0 = borrowed(nt.SITE0)
    st.SITEN = borrowed(nt.SITEN)
    st.FDRAW = borrowed(nt.FDRAW)
    st.SCR = borrowed(nt.SCR)
    st.SCRP = borrowed(nt.SCRP)
    st.WQ = borrowed(nt.WQ)
    st.CAND = borrowed(nt.CAND)
    st.LS = borrowed(nt.LS)
    st.LF = borrowed(nt.LF)
    st.LI = borrowed(nt.LI)
    st.ODRAW = borrowed(nt.ODRAW)
    st.STAGES = borrowed(nt.STAGES)
    st.COLD = borrowed(nt.COLD)
    st.LBU = borrowed(nt.LBU)
    st.AREAS = borrowed(nt.AREAS)
    st.REC = borrowed(nt.REC)
    st.HH = borrowed(nt.HH)
    st.HE = borrowed(nt.HE)
    st.HPU = borrowed(nt.HPU)
    st.HPD = borrowed(nt.HPD)
    st.WIN = borrowed(nt.WIN)
    st.KS = borrowed(nt.KS)
    st.LOGF = borrowed(nt.LOGF)
    st.LOGI = borrowed(nt.LOGI)
    st.SER = borrowed(nt.SER)
    st.SNAP = borrowed(nt.SNAP)
    st.SNAPPED = borrowed(nt.SNAPPED)
    return st


def make(nt: Any) -> Any:
    """A StructRef over the namedtuple's arrays (borrowed: keep ``nt`` while it is used)."""
    return _make(nt)
