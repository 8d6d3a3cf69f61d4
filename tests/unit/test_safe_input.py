"""Limits before parsing (planner.safe_input), bounded excerpts, names-not-paths for ``base``."""

from __future__ import annotations

import codecs
import math
import time
from pathlib import Path

import pytest

from planner.errors import excerpt
from planner.presets import load
from planner.safe_input import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    InputError,
    check_path,
    parse_value,
    parse_yaml,
    read_text_file,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("-3", -3),
        ("0", 0),
        ("2.5", 2.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("true", True),
        ("null", None),
        ("flat", "flat"),
        ("'yes'", "yes"),
        ('"1:30"', "1:30"),
        ("[1, 2.5, x]", [1, 2.5, "x"]),
        ("{kind: fixed}", {"kind": "fixed"}),
        ("2026-01-01", "2026-01-01"),
        ("", ""),
    ],
)
def test_values_read_the_yaml_1_2_way(text: str, value: object) -> None:
    assert parse_value(text, "f") == value


def test_infinity_and_nan_are_read_for_the_schema_to_refuse() -> None:
    assert parse_value(".inf", "f") == math.inf and math.isnan(parse_value(".nan", "f"))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("yes", "YAML 1.1"),
        ("Off", "YAML 1.1"),
        ("1:30", "base-60"),
        ("010", "leading zero"),
        ("0x1F", "YAML 1.1 number"),
        ("1_000", "YAML 1.1 number"),
        ("[1, yes]", "f.1 = 'yes'"),
        ("9" * 31, "31 digits"),
        ("&a 1", "anchors"),
        ("[&a 1, *a]", "anchors"),
        ("!!python/object/apply:os.system [id]", "explicit YAML tags"),
        ("!!binary aGk=", "explicit YAML tags"),
        ("[" * (MAX_DEPTH + 1), "nested deeper"),
        ("[1, 2", "not valid YAML"),
        ("a\x00b", "not valid YAML"),
        ("x" * 4001, "at most 4,000"),
    ],
)
def test_hostile_values_are_refused_naming_the_field(text: str, says: str) -> None:
    with pytest.raises(InputError, match=None) as err:
        parse_value(text, "f")
    line = str(err.value)
    assert line.startswith("f") and says in line and "\n" not in line, line


def test_alias_bomb_is_refused_before_expansion() -> None:
    bomb = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    started = time.perf_counter()
    with pytest.raises(InputError, match="anchors and aliases"):
        parse_yaml(bomb, "bomb.yaml")
    assert time.perf_counter() - started < 0.5


def test_node_count_is_limited() -> None:
    with pytest.raises(InputError, match="more than 5,000 YAML values"):
        parse_yaml("[" + "1, " * 6000 + "1]", "many.yaml")


def test_deep_bracket_runs_stop_fast() -> None:
    started = time.process_time()
    with pytest.raises(InputError, match="nested deeper"):
        parse_value("[" * 3999, "f")
    assert time.process_time() - started < 0.2  # the scanner's look-ahead is quadratic


def test_excerpt_of_a_shared_structure_is_bounded_and_fast() -> None:
    value: list[object] = ["lol"]
    for _ in range(8):
        value = [value] * 9  # 43 million leaves if printed in full
    started = time.perf_counter()
    text = excerpt(value)
    assert len(text) <= 60 and time.perf_counter() - started < 0.05
    assert excerpt(10**5000) == "<an integer of about 5,001 digits>"
    assert "\n" not in excerpt("a\nb" * 1000)


def test_paths_are_dotted_names() -> None:
    assert check_path(" edge.device_count ") == "edge.device_count"
    for bad in ("edge..x", "edge.x\ny", "a" * 201, "workload.request_classes.\u00b2", "../x", ""):
        with pytest.raises(InputError):
            check_path(bad)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (codecs.BOM_UTF16_LE + "name: x\n".encode("utf-16-le"), "UTF-16 text"),
        (codecs.BOM_UTF16_BE + "name: x\n".encode("utf-16-be"), "UTF-16 text"),
        (codecs.BOM_UTF32_LE + "name: x\n".encode("utf-32-le"), "UTF-32 text"),
        ("name: x\n".encode("utf-16-le"), "NUL bytes"),
        ("name: café\n".encode("latin-1"), "not UTF-8 text (byte 0xe9 at offset 9)"),
    ],
)
def test_files_must_be_utf8(tmp_path: Path, data: bytes, says: str) -> None:
    f = tmp_path / "s.yaml"
    f.write_bytes(data)
    with pytest.raises(InputError, match=None) as err:
        read_text_file(f)
    assert str(err.value).startswith(str(f)) and says in str(err.value)


def test_utf8_with_a_byte_order_mark_is_utf8(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_bytes(codecs.BOM_UTF8 + "name: café\n".encode())
    assert load(str(f)).name == "café"


def test_oversized_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    f = tmp_path / "big.yaml"
    with open(f, "wb") as fh:
        fh.truncate(50 * MAX_FILE_BYTES)  # 50 MB, sparse
    started = time.perf_counter()
    with pytest.raises(InputError, match="larger than 1,000,000 bytes"):
        load(str(f))
    assert time.perf_counter() - started < 0.5


def test_base_names_a_file_beside_it(tmp_path: Path) -> None:
    (tmp_path / "shared.yaml").write_text("base: clinic_llm_assistant_pii\nname: shared\n")
    mine = tmp_path / "mine.yaml"
    for base in ("shared", "shared.yaml"):
        mine.write_text(f"base: {base}\nedge: {{device_count: 30}}\n")
        s = load(str(mine))
        assert (s.name, s.edge.device_count, s.edge.sites) == ("shared", 30, 25)


@pytest.mark.parametrize(
    "base", ["../outside", "/etc/passwd", "sub/inner", "..", "link_out", "[1]", "a" * 100]
)
def test_base_never_leaves_the_folder(tmp_path: Path, base: str) -> None:
    (tmp_path / "outside.yaml").write_text("name: outside\n")
    folder = tmp_path / "mine"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "inner.yaml").write_text("name: inner\n")
    (folder / "link_out.yaml").symlink_to(tmp_path / "outside.yaml")
    mine = folder / "mine.yaml"
    mine.write_text(f"base: {base}\n")
    with pytest.raises(InputError, match="base"):
        load(str(mine))
