"""Sensitivity timings survive a restart, and a bad or hostile file reads as 'nothing measured'."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from ui import timings
from ui.timings import FILE_NAME, Timings


def test_a_new_server_reads_what_the_last_one_measured(tmp_path: Path) -> None:
    first = Timings(tmp_path)
    first.record("scenario A", 12.5, 17, naive_s=10.0)
    first.record("scenario B", 30.0, 21, naive_s=20.0)
    again = Timings(tmp_path)  # the server restarted
    assert again.measured("scenario A") == (12.5, 17)
    assert again.measured("scenario B") == (30.0, 21)
    assert again.measured("scenario C") is None
    assert again.sorted_ratios() == [1.25, 1.5]


def test_the_file_holds_digests_not_scenarios(tmp_path: Path) -> None:
    Timings(tmp_path).record('{"workload": "private"}' * 200, 5.0, 9, None)
    raw = (tmp_path / FILE_NAME).read_text()
    assert "private" not in raw and len(raw) < 300


def test_without_a_folder_it_lives_in_memory(tmp_path: Path) -> None:
    t = Timings(None)
    t.record("a", 3.0, 5, 2.0)
    assert t.measured("a") == (3.0, 5) and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe garbage",
        b"not json",
        b"[1, 2, 3]",
        b'{"format": 2, "by_key": {}, "ratios": [1.0]}',
        b"[" * 60_000,
        b'{"format": 1, "by_key": "x", "ratios": "y"}',
        b" " * 70_000 + b'{"format": 1, "by_key": {}, "ratios": [1.0]}',
    ],
)
def test_malformed_files_read_as_nothing_measured(tmp_path: Path, content: bytes) -> None:
    (tmp_path / FILE_NAME).write_bytes(content)
    t = Timings(tmp_path)
    assert not t.by_key and not t.sorted_ratios()
    t.record("a", 4.0, 7, 2.0)  # and the next record replaces it with a good file
    assert Timings(tmp_path).measured("a") == (4.0, 7)


def test_bad_entries_are_dropped_one_by_one(tmp_path: Path) -> None:
    good = "a" * 64
    data = {
        "format": 1,
        "by_key": {
            good: [10.0, 17, 1.7e9],
            "b" * 64: [float("nan"), 17, 1.7e9],
            "c" * 64: [-1.0, 17, 1.7e9],
            "d" * 64: [10.0, True, 1.7e9],
            "e" * 64: [1e12, 17, 1.7e9],
            "../../etc": [10.0, 17, 1.7e9],
            "f" * 64: "10 s",
        },
        "ratios": [1.5, "2", None, float("inf"), -3.0, 0.8],
    }
    (tmp_path / FILE_NAME).write_text(json.dumps(data))
    t = Timings(tmp_path)
    assert list(t.by_key) == [good]
    assert t.sorted_ratios() == [0.8, 1.5]


def test_a_symlinked_file_is_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    body = {"format": 1, "by_key": {"a" * 64: [10.0, 17, 1.7e9]}, "ratios": [2.0]}
    elsewhere.write_text(json.dumps(body))
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / FILE_NAME).symlink_to(elsewhere)
    t = Timings(folder)
    assert not t.by_key and not t.sorted_ratios()
    t.record("x", 1.0, 3, None)
    assert json.loads(elsewhere.read_text()) == body  # the target was never written
    assert not (folder / FILE_NAME).is_symlink()


def test_a_fifo_in_its_place_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / FILE_NAME)
    assert not Timings(tmp_path).by_key


def test_an_unwritable_folder_keeps_the_estimate_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    t = Timings(blocker / "cache")  # a folder under a file cannot be made
    t.record("a", 2.0, 3, 1.0)
    assert t.measured("a") == (2.0, 3) and t.sorted_ratios() == [2.0]


def record_many(folder: str, tag: int) -> None:
    t = Timings(Path(folder))
    for i in range(15):
        t.record(f"server {tag} scenario {i}", 1.0 + i, 10, 2.0)


def test_servers_writing_at_once_keep_each_others_records(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=record_many, args=(str(tmp_path), k)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    t = Timings(tmp_path)
    assert all(t.measured(f"server {k} scenario {i}") for k in range(4) for i in range(15))
    assert len(t.sorted_ratios()) == timings.KEEP_RATIOS
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".timings-")]


def test_the_log_keeps_the_newest_entries_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timings, "MAX_KEYS", 5)
    t = Timings(tmp_path)
    for i in range(8):
        t.record(f"s{i}", 1.0, 1, None)
    again = Timings(tmp_path)
    assert [again.measured(f"s{i}") is not None for i in range(8)] == [False] * 3 + [True] * 5


def test_the_cache_folder_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(timings.ENV_CACHE_DIR, str(tmp_path / "mine"))
    assert timings.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv(timings.ENV_CACHE_DIR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert timings.cache_dir() == tmp_path / "edge-cloud-planner"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as XDG says
    assert timings.cache_dir() == Path.home() / ".cache" / "edge-cloud-planner"
