"""bot.yamlbounds: the limits hold at their edges, and ordinary YAML is untouched."""

from __future__ import annotations

import pytest

from bot.yamlbounds import MAX_DEPTH, Limits, YAMLLimitError, check, decode


def nested(levels: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(levels)) + "  " * levels + "x: 1\n"


def test_depth_limit_is_exact():
    check(nested(MAX_DEPTH - 1))  # MAX_DEPTH - 1 keys plus the leaf mapping: MAX_DEPTH levels
    with pytest.raises(YAMLLimitError, match="nests deeper"):
        check(nested(MAX_DEPTH))


def test_node_limit_counts_alias_expansion():
    ten = "a: &a [" + ",".join(["x"] * 10) + "]\n"
    check(ten + "b: [" + ",".join(["*a"] * 9) + "]\n", Limits(max_nodes=200))
    with pytest.raises(YAMLLimitError, match="alias bomb"):
        check(ten + "b: [" + ",".join(["*a"] * 30) + "]\n", Limits(max_nodes=200))


def test_aliases_to_scalars_may_be_keys_but_collections_may_not():
    check("k: &k name\n*k : 1\n")
    with pytest.raises(YAMLLimitError, match="mapping key"):
        check("k: &k [a]\n? *k\n: 1\n")


def test_the_non_specific_tag_is_allowed():
    check("a: ! x\n")


def test_decode_names_the_line_of_the_first_bad_byte():
    assert decode("a: é\n".encode()) == "a: é\n"
    with pytest.raises(YAMLLimitError) as caught:
        decode(b"a: 1\nb: 2\nc: caf\xe9\n")
    assert caught.value.line == 3 and "0xe9" in str(caught.value)


def test_nul_and_size():
    with pytest.raises(YAMLLimitError, match="NUL"):
        check("a: b\x00\n")
    with pytest.raises(YAMLLimitError, match="limit is 10"):
        check("a: 12345678901\n", Limits(max_bytes=10))


def test_syntax_errors_are_left_to_the_loader():
    check("a: [unclosed\n")  # no limit was crossed; the real loader reports the syntax error with its line


def test_long_quoted_digits_are_strings_not_numbers():
    check("a: '" + "9" * 5000 + "'\n")
