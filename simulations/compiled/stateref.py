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

The borrowed state's fields are ``RawArray``s: numpy arrays to numba in every way but that it
counts no reference for them. Reading ``st.QF`` from a StructRef takes a reference and drops it
(two calls into numba's runtime, which no optimiser removes and around which every float held in
a register is spilled); a raw array is read with none. The arrays stay owned where they were: by
the namedtuple, or by the StructRef for an array a kernel grew, whose assignment (``st.HT =
...``) counts the new array in and the old one out as the StructRef's own setter does.
"""

from __future__ import annotations

from typing import Any

from numba import njit, types
from numba.core import cgutils
from numba.core.datamodel import models
from numba.core.extending import (
    infer_getattr,
    intrinsic,
    lower_cast,
    lower_getattr_generic,
    lower_setattr_generic,
    register_model,
)
from numba.core.typing.templates import AttributeTemplate
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


class RawArray(types.Array):  # type: ignore[misc]
    """A numpy array numba counts no reference for (the borrowed state's fields)."""

    def __init__(self, dtype: Any, ndim: int, layout: str) -> None:
        super().__init__(dtype, ndim, layout, name=f"raw array({dtype}, {ndim}d, {layout})")


@register_model(RawArray)
class RawArrayModel(models.StructModel):  # type: ignore[misc]
    """numba's ArrayModel with the meminfo as a plain pointer (the same LLVM layout)."""

    def __init__(self, dmm: Any, fe_type: Any) -> None:
        members = [
            ("meminfo", types.voidptr),
            ("parent", types.pyobject),
            ("nitems", types.intp),
            ("itemsize", types.intp),
            ("data", types.CPointer(fe_type.dtype)),
            ("shape", types.UniTuple(types.intp, fe_type.ndim)),
            ("strides", types.UniTuple(types.intp, fe_type.ndim)),
        ]
        super().__init__(dmm, fe_type, members)


@lower_cast(types.Array, RawArray)  # type: ignore[misc]
@lower_cast(RawArray, types.Array)  # type: ignore[misc]
def _same_array(context, builder, fromty, toty, val):  # type: ignore[no-untyped-def]
    return val


@infer_getattr
class _BorrowedAttribute(AttributeTemplate):  # type: ignore[misc]
    key = BorrowedState

    def generic_resolve(self, typ: Any, attr: str) -> Any:
        return typ.field_dict.get(attr)


@lower_getattr_generic(BorrowedState)  # type: ignore[misc]
def _borrowed_get(context, builder, typ, val, attr):  # type: ignore[no-untyped-def]
    return getattr(structref._Utils(context, builder, typ).get_data_struct(val), attr)


@lower_setattr_generic(BorrowedState)  # type: ignore[misc]
def _borrowed_set(context, builder, sig, args, attr):  # type: ignore[no-untyped-def]
    """A grown array replaces a field: the field holds a reference to it (the value passed in
    is dropped by its caller), and gives up the one it held (none for a borrowed array)."""
    inst_type, val_type = sig.args
    field = inst_type.field_dict[attr]
    counted = types.Array(field.dtype, field.ndim, field.layout)
    data = structref._Utils(context, builder, inst_type).get_data_struct(args[0])
    new = context.cast(builder, args[1], val_type, field)
    old = getattr(data, attr)
    context.nrt.incref(builder, counted, new)
    context.nrt.decref(builder, counted, old)
    setattr(data, attr, new)


class StateRef(structref.StructRefProxy):  # type: ignore[misc]
    """The Python handle of a StructRef state (only passed back to kernels)."""


structref.define_proxy(StateRef, StateType, list(layout.FIELDS))


def _fields(array: Any = types.Array) -> list[tuple[str, Any]]:
    dtypes = {"f": types.float64, "i": types.int64, "j": types.int32}
    return [
        (name, array(dtypes[code[0]], int(code[1]), "C")) for name, code in layout.FIELDS.items()
    ]


def state_type() -> Any:
    return StateType(_fields())


STATE_T = state_type()
BORROWED_T = BorrowedState(_fields(RawArray))


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
