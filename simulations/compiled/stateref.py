"""The kernels' view of the state: one numba StructRef holding every array of ``layout.State``.

A StructRef is passed to a kernel as one pointer; the namedtuple ``layout.State`` would be passed
as every member of every array (hundreds of arguments per call). Python keeps the namedtuple to
read results (the arrays are shared).

The StructRef holds *borrowed* views of the namedtuple's arrays: the same data, shape and
numpy object, but no numba reference count (a null meminfo). numba takes and drops a reference
on every array it reads from the state (``st.QF[...]``): an atomic add on the array's counter,
where a null meminfo costs a test. The namedtuple owns the arrays and outlives every kernel call
(``run_segment`` holds it); an array a kernel grows is a new, owned array in the field.

The kernels themselves take a *borrowed* state (``BorrowedState``): the same fields, read through
the same pointer, but held as a plain pointer rather than a reference-counted meminfo. numba
increfs and decrefs every reference-counted argument in each non-inlined kernel it calls (two
calls into the runtime with an atomic add each); a plain pointer costs nothing. The entry kernels
Python calls take the StructRef (``ref``) and borrow it once (``borrow``): the StructRef outlives
the call.
"""

from __future__ import annotations

from typing import Any

from numba import njit, types
from numba.core import cgutils
from numba.core.datamodel import models
from numba.core.extending import intrinsic, register_model
from numba.experimental import structref
from numba.np.arrayobj import make_array, populate_array

from simulations.compiled import layout


@structref.register
class StateType(types.StructRef):
    def preprocess_fields(self, fields: Any) -> Any:
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class BorrowedState(types.StructRef):
    """The kernels' state type: a StructRef's fields through an uncounted pointer."""

    def preprocess_fields(self, fields: Any) -> Any:
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


@register_model(BorrowedState)
class BorrowedModel(models.StructModel):  # type: ignore[misc]
    """StructRefModel's layout with the meminfo as a plain pointer: numba counts no reference."""

    def __init__(self, dmm: Any, fe_type: Any) -> None:
        super().__init__(dmm, fe_type, [("meminfo", types.voidptr)])


structref.define_attributes(BorrowedState)


class StateRef(structref.StructRefProxy):  # type: ignore[misc]
    """The Python handle of a StructRef state (only passed back to kernels)."""


structref.define_proxy(StateRef, StateType, list(layout.FIELDS))


def _fields() -> list[tuple[str, Any]]:
    dtypes = {"f": types.float64, "i": types.int64, "j": types.int32}
    return [
        (name, types.Array(dtypes[code[0]], int(code[1]), "C"))
        for name, code in layout.FIELDS.items()
    ]


def state_type() -> Any:
    return StateType(_fields())


STATE_T = state_type()
BORROWED_T = BorrowedState(_fields())


@intrinsic  # type: ignore[misc]
def borrow(typingctx, ref):  # type: ignore[no-untyped-def]
    """The kernels' view of a StructRef state (valid while the StructRef lives)."""

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        src = cgutils.create_struct_proxy(sig.args[0])(context, builder, value=args[0])
        out = cgutils.create_struct_proxy(sig.return_type)(context, builder)
        out.meminfo = builder.bitcast(src.meminfo, cgutils.voidptr_t)
        return out._getvalue()

    return BORROWED_T(ref), codegen


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
