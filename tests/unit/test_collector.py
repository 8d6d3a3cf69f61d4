"""The collector is paused around a process's big one-off loads, and frozen only where asked."""

from __future__ import annotations

import gc

import pytest

from simulations import collector


def test_paused_turns_the_collector_off_inside_and_back_on() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():  # nested: still off, and the outer one turns it back on
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_paused_turns_it_back_on_after_an_error() -> None:
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("a failed load")
    assert gc.isenabled()


def test_only_a_process_that_asks_freezes_what_it_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    gc.unfreeze()
    with collector.paused():
        kept = [[i] for i in range(100)]
    assert gc.get_freeze_count() == 0  # the dashboard's server: nothing frozen
    monkeypatch.setattr(collector, "FREEZE", True)
    try:
        with collector.paused():
            kept.append([0])
        assert gc.get_freeze_count() > len(kept)
    finally:
        gc.unfreeze()
