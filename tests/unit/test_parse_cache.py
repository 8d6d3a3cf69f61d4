"""The installation's YAML files kept parsed under their text's hash: the same data, always."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml

from planner import parse_cache
from planner.catalog import CATALOG_PATH
from planner.presets import PRESET_DIR, _read_raw, preset_names
from planner.safe_input import parse_yaml


class Counting:
    """A parser that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str) -> Any:
        self.calls += 1
        return yaml.safe_load(text)


def test_a_kept_parse_is_the_texts_data_and_a_changed_text_is_parsed_again(
    tmp_path: Path,
) -> None:
    f = tmp_path / "s.yaml"
    parse = Counting()
    f.write_text("a: 1\nb: [x, 2.5]\n")
    first = parse_cache.parsed(f, "t", f.read_text(), parse)
    again = parse_cache.parsed(f, "t", f.read_text(), parse)
    assert first == again == {"a": 1, "b": ["x", 2.5]} and parse.calls == 1
    again["a"] = 99  # each call gets its own copy
    assert parse_cache.parsed(f, "t", f.read_text(), parse)["a"] == 1
    f.write_text("a: 2\n")  # same size class, another text: never the old data
    assert parse_cache.parsed(f, "t", f.read_text(), parse) == {"a": 2} and parse.calls == 2
    kept = list((tmp_path / "__pycache__").glob("*.marshal"))
    assert kept == [parse_cache.entry(f, "t", "a: 2\n")]  # the old text's entry is gone
    assert parse_cache.parsed(f, "other", f.read_text(), parse) == {"a": 2}
    assert parse.calls == 3  # another parser: its own entry


def test_a_damaged_entry_is_parsed_again(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("a: 1\n")
    parse = Counting()
    parse_cache.parsed(f, "t", "a: 1\n", parse)
    parse_cache.entry(f, "t", "a: 1\n").write_bytes(b"\x00garbage")
    assert parse_cache.parsed(f, "t", "a: 1\n", parse) == {"a": 1} and parse.calls == 2


def test_data_marshal_cannot_hold_is_parsed_each_time(tmp_path: Path) -> None:
    f = tmp_path / "d.yaml"
    parse = Counting()
    for _ in range(2):
        assert parse_cache.parsed(f, "t", "day: 2026-11-29\n", parse) == {
            "day": datetime.date(2026, 11, 29)
        }
    assert parse.calls == 2 and not (tmp_path / "__pycache__").exists()


def test_a_folder_that_cannot_be_written_means_parsing_each_time(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    (tmp_path / "__pycache__").write_text("a file, not a folder")  # as unwritable as it gets
    parse = Counting()
    for _ in range(2):
        assert parse_cache.parsed(f, "t", "a: 1\n", parse) == {"a": 1}
    assert parse.calls == 2


def test_the_catalog_and_every_preset_read_as_their_parsers_read_them() -> None:
    text = CATALOG_PATH.read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    parse = Counting()
    assert parse_cache.parsed(CATALOG_PATH, "catalog", text, parse) == yaml.load(
        text, Loader=loader
    )
    for name in preset_names():
        path = PRESET_DIR / f"{name}.yaml"
        direct = parse_yaml(path.read_text(encoding="utf-8"), path.name)
        assert _read_raw(path) == direct == _read_raw(path), name
