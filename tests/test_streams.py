"""Standard streams in every locale, and closed: bytes pass through, other text is escaped, no crash."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr import streams

KMSERR = [sys.executable, "-m", "kmserr"]
ERROR = b"2024-05-14T08:00:00Z ERROR (10630) key is not existed\n"
ODD_NAME = b"n\xff\xfe.log"  # not UTF-8: only bytes can name it


def _installed_locales() -> set[str]:
    listed = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False).stdout
    return {name.lower().replace("-", "") for name in listed.split()}


def _locale_or_encoding(locale: str, encoding: str) -> dict[str, str]:
    """The environment of a locale; where the machine lacks it, C with Python's stream encoding
    forced to the locale's, so the same encoding is tested everywhere (never skipped)."""
    wanted = locale.lower().replace("-", "")
    if locale in ("C", "POSIX", "C.UTF-8") or wanted in _installed_locales():
        return {"LC_ALL": locale}
    return {"LC_ALL": "C", "PYTHONIOENCODING": encoding}


# Strict UTF-8, Python's own UTF-8 mode (C and POSIX), Latin-1 and ASCII.
LOCALES = {
    "en_US.UTF-8": ("en_US.UTF-8", "utf-8"),
    "C.UTF-8": ("C.UTF-8", "utf-8"),
    "C": ("C", "utf-8"),
    "POSIX": ("POSIX", "utf-8"),
    "latin-1": ("en_US.ISO-8859-1", "iso8859-1"),
    "ascii": ("C", "ascii"),
}


@pytest.fixture(params=sorted(LOCALES))
def locale_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    locale, encoding = LOCALES[request.param]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k not in ("LANG", "PYTHONIOENCODING")}
    env.update(_locale_or_encoding(locale, encoding))
    if request.param == "ascii":
        env["PYTHONIOENCODING"] = "ascii"
    env["PYTHONUTF8"] = "0" if request.param in ("en_US.UTF-8", "latin-1", "ascii") else env.get("PYTHONUTF8", "")
    yield env


def kmserr(args: list[bytes | str], env: dict[str, str], cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*KMSERR, *args], input=stdin, capture_output=True, env=env, cwd=cwd, timeout=120)


def test_the_locales_are_what_they_claim(locale_env: dict[str, str], tmp_path: Path) -> None:
    # The environments really give Python's streams the encodings the tests are about.
    probe = "import sys; print(sys.stdout.encoding, sys.stdout.errors)"
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, env=locale_env, text=True).stdout
    assert shown.split()[0].replace("-", "").replace("_", "") in {"utf8", "iso88591", "latin1", "ascii"}


@pytest.mark.slow  # a real process in every locale, for every output
def test_undecodable_bytes_pass_through_every_output(locale_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(ODD_NAME)).write_bytes(ERROR)
    (tmp_path / "b.log").write_bytes(ERROR)
    odd = ODD_NAME
    for args, expected in (
        (["grep", "-c", odd, "b.log"], odd + b":1\nb.log:1\n"),
        (["grep", "-l", odd, "b.log"], odd + b"\nb.log\n"),
        (["grep", "-H", "--no-annotate", odd], odd + b":" + ERROR),
        (["grep", "-H", "-n", "--no-annotate", "-A", "1", odd], odd + b":1:" + ERROR),
    ):
        result = kmserr(list(args), locale_env, tmp_path)
        assert (result.returncode, result.stdout, result.stderr) == (0, expected, b""), args
    summary = kmserr(["grep", "--summary", odd, "b.log"], locale_env, tmp_path)
    assert (summary.returncode, summary.stderr) == (0, b"")
    assert summary.stdout.startswith(b"2\t10630\tkey is not existed\t")
    missing = kmserr(["grep", b"gone\xff.log", "b.log"], locale_env, tmp_path)
    assert missing.returncode == 2
    # Escaped where the byte is no character of the locale; in Latin-1 it is one (ÿ), and shown.
    assert missing.stderr in (
        b"kmserr: grep: gone\\xff.log: No such file or directory\n",
        b"kmserr: grep: gone\xff.log: No such file or directory\n",
    )


def test_grep_json_escapes_a_file_name_and_keeps_its_bytes(locale_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(ODD_NAME)).write_bytes(ERROR)
    for extra in ([], ["-C", "1"]):
        result = kmserr(["grep", "--json", *extra, ODD_NAME], locale_env, tmp_path)
        assert (result.returncode, result.stderr) == (0, b"")
        record = json.loads(result.stdout.decode("utf-8"))  # valid UTF-8 JSON in every locale
        assert record["line"] == ERROR.decode().rstrip("\n")
        if "file_base64" in record:  # a UTF-8 locale: the name is not text
            assert record["file"] == "n\ufffd\ufffd.log"
            import base64

            assert base64.b64decode(record["file_base64"]) == ODD_NAME
        else:  # a Latin-1 locale reads every byte as a character
            assert record["file"].encode(locale_env.get("PYTHONIOENCODING") or "iso8859-1") == ODD_NAME


@pytest.mark.parametrize("fmt", ["plain", "table"])
def test_grep_writes_its_notes_in_the_locale(locale_env: dict[str, str], tmp_path: Path, fmt: str) -> None:
    # The line's bytes as they were; kmserr's note (its description holds U+2019) in the locale.
    line = b"\xff\xfe [TencentCloudSDKException] code:AuthFailure.SignatureFailure message:bad"
    result = kmserr(["grep", "--format", fmt], locale_env, tmp_path, stdin=line + b"\n")
    assert (result.returncode, result.stderr) == (0, b"")
    if fmt == "plain":
        assert result.stdout.startswith(line + b"\t")
    # on a terminal, the note is the lines under the line (wrapped at the width); in plain, after a tab
    note = _text_out(result.stdout.split(b"\n", 1)[1] if fmt == "table" else result.stdout.split(b"\t", 1)[1],
                     locale_env)
    try:
        "’↳".encode(_encoding(locale_env))
    except UnicodeEncodeError:
        assert "’" not in note and "\\u2019" in note
    else:
        assert "’" in note


def test_parse_plain_keeps_the_bytes_of_the_message(locale_env: dict[str, str], tmp_path: Path) -> None:
    result = kmserr(["parse", "--format", "plain"], locale_env, tmp_path, stdin=b"(10630) bad \xff\xfe here\n")
    assert result.returncode == 0
    assert result.stdout.split(b"\t")[6] == b"bad \xff\xfe here"
    assert b"Traceback" not in result.stderr and b"internal error" not in result.stderr


def test_check_names_a_file_by_its_bytes(locale_env: dict[str, str], tmp_path: Path) -> None:
    name = b"team\xff.toml"
    (tmp_path / os.fsdecode(name)).write_bytes(b'[[errors]]\ncode = "X\xff"\n')
    plain = kmserr(["check", name], locale_env, tmp_path)
    assert plain.returncode == 2
    assert plain.stdout.startswith(name + b":2:")
    assert plain.stdout.count(b"\n") == 1
    as_json = kmserr(["check", "--format", "json", name], locale_env, tmp_path)
    assert as_json.returncode == 2
    records = json.loads(as_json.stdout.decode("utf-8"))
    assert records[0]["file"] in ("team\ufffd.toml", "team\xff.toml")


def _encoding(env: dict[str, str]) -> str:
    return env.get("PYTHONIOENCODING") or ("iso8859-1" if "ISO" in env["LC_ALL"] else "utf-8")


def _text_out(raw: bytes, env: dict[str, str]) -> str:
    return raw.decode(_encoding(env))


@pytest.mark.parametrize("args", [["list", "--format", "csv"], ["lookup", "key"], ["lookup", "key", "--lang", "zh"]])
def test_text_the_locale_cannot_encode_is_escaped(locale_env: dict[str, str], tmp_path: Path, args: list[str]) -> None:
    result = kmserr(list(args), locale_env, tmp_path)
    assert (result.returncode, result.stderr) == (0, b"")
    text = _text_out(result.stdout, locale_env)
    wide = "密钥" if "zh" in args else "’"
    try:
        wide.encode(_encoding(locale_env))
    except UnicodeEncodeError:  # a locale that cannot show it: escaped, never lost
        assert wide not in text
        assert wide.encode("ascii", "backslashreplace").decode() in text  # \\u2019, \\u5bc6\\u94a5
    else:
        assert wide in text


@pytest.mark.parametrize("args", [["list", "--format", "json"], ["lookup", "key", "--lang", "zh", "--format", "json"],
                                  ["parse", "--format", "json", "(10630) key is not existed"]])
def test_json_is_utf8_in_every_locale(locale_env: dict[str, str], tmp_path: Path, args: list[str]) -> None:
    result = kmserr(list(args), locale_env, tmp_path)
    assert (result.returncode, result.stderr) == (0, b"")
    document = json.loads(result.stdout.decode("utf-8"))  # RFC 8259: UTF-8, whatever the locale
    assert document


def test_a_card_in_every_locale(locale_env: dict[str, str], tmp_path: Path) -> None:
    result = kmserr(["lookup", "10630", "--format", "table"], locale_env, tmp_path)
    assert (result.returncode, result.stderr) == (0, b"")
    assert "10630" in _text_out(result.stdout, locale_env)


def test_dumb_terminal_gets_no_colour(tmp_path: Path) -> None:
    env = {**os.environ, "TERM": "dumb"}
    env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    # `script` gives the command a real terminal, where it would otherwise colour.
    command = f"{sys.executable} -m kmserr lookup 10630 10631"
    for term, coloured in (("dumb", False), ("xterm", True)):
        env["TERM"] = term
        shown = subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True, env=env, cwd=tmp_path)
        assert (b"\x1b[" in shown.stdout) is coloured, term


# ---------------------------------------------------------------- the error handler, as a property


def _unescape(raw: bytes, encoding: str) -> str:
    """Undo what the handler did: bytes back to surrogates, \\uXXXX (pairs too) back to characters."""
    import re

    text = raw.decode(encoding, "surrogateescape")
    return re.sub(
        r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\u([0-9a-f]{4})",
        lambda m: (
            chr(0x10000 + ((int(m.group(1), 16) - 0xD800) << 10) + int(m.group(2), 16) - 0xDC00)
            if m.group(1) else chr(int(m.group(3), 16))
        ),
        text,
    )


@given(
    st.lists(st.one_of(st.binary(max_size=8), st.text(st.characters(exclude_categories=["Cs"]), max_size=8)),
             max_size=8),
    st.sampled_from(["utf-8", "iso8859-1", "ascii"]),
)
def test_bytes_pass_through_and_text_is_escaped(pieces: list[bytes | str], encoding: str) -> None:
    text = "".join(p.decode("utf-8", "surrogateescape") if isinstance(p, bytes) else p for p in pieces)
    written = text.encode(encoding, streams.ERRORS)  # never raises
    if encoding == "utf-8":  # every character encodes: the bytes of the input come out exactly
        assert written == text.encode("utf-8", "surrogateescape")
    elif "\\" not in text:  # (a backslash already in the text would read as an escape)
        # A kept byte reads back as what that byte is in the encoding (in Latin-1, a character).
        kept = "".join(
            bytes([ord(c) - 0xDC00]).decode(encoding, "surrogateescape") if 0xDC80 <= ord(c) <= 0xDCFF else c
            for c in text
        )
        assert _unescape(written, encoding) == kept


def test_astral_characters_are_escaped_as_json_does() -> None:
    assert "a😀’".encode("ascii", streams.ERRORS) == b"a\\ud83d\\ude00\\u2019"
    assert json.loads(b'"' + "a😀’".encode("ascii", streams.ERRORS) + b'"') == "a😀’"
    assert "x\udcff\udcfey’".encode("iso8859-1", streams.ERRORS) == b"x\xff\xfey\\u2019"


def test_grep_output_is_buffered_whatever_pythonunbuffered_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under PYTHONUNBUFFERED=1 Python's stdout is a raw file: one system call a matched line. grep's
    output is buffered all the same (it flushes after each read that found something), and the
    descriptor stays open for what comes after."""
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    raw = io.FileIO(write_end, "wb")
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, write_through=True))  # as `python -u` makes it
    out = streams.binary_stdout()
    for number in range(100):
        out.write(b"line %d\n" % number)
    with pytest.raises(BlockingIOError):
        os.read(read_end, 1 << 16)  # nothing written yet: one buffer, not a hundred writes
    out.flush()
    assert os.read(read_end, 1 << 16).count(b"\n") == 100
    out.close()
    raw.write(b"still open\n")
    assert os.read(read_end, 1 << 16) == b"still open\n"
    os.close(read_end)
    raw.close()
