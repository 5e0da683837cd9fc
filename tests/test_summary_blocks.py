"""`grep --summary` counts a block's lines per code and reads only the times it shows (the first and
last of each code): what it prints is what reading every line's time in order gives (`blocks.Summary`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kmserr
from kmserr import search
from kmserr.blocks import Summary

from .conftest import Runner

RUN = Runner()  # a CliRunner holds nothing between calls: one for every example

# Lines with and without a time (an app's, an envelope's, both), codes alone and together, codes
# met once and often; no syslog time, whose year is read against each run's own moment.
LINES = [
    b"2024-05-14 08:00:01 INFO started",
    b"2024-05-14 08:00:02 ERROR (10630) key is not existed",
    b"(10630) key is not existed, no time",
    b"2024-05-14T08:03:02Z [TencentCloudSDKException]code:AuthFailure.SignatureExpire message:x requestId:y",
    b"no time: [TencentCloudSDKException]code:AuthFailure.SignatureExpire message:x requestId:y",
    b"2024-05-14 09:00:00 WARN RequestLimitExceeded and InternalError on one line",
    b"RequestLimitExceeded, no time",
    b"2024-05-14 10:00:00 ERROR RequestLimitExceeded",
    # A code met before and one not on one line: the earlier lines held are counted first.
    b"2024-05-14 11:00:00 ERROR UnsupportedOperation.NotUserCreatedCmk after RequestLimitExceeded",
    b"2024-05-13 23:59:59 ERROR (10650) key is disabled",
    b"2024-05-15 00:00:00 ERROR code: 'ResourceUnavailable.CmkDisabled'",
    b'{"log":"(10630) key is not existed\\n","stream":"stderr","time":"2024-05-14T08:00:09.5Z"}',
    b'{"log":"2024-05-14 07:00:00 (10650) key is disabled\\n","stream":"stderr","time":"2024-05-14T08:00:09.5Z"}',
    b"2024-05-14 08:00:03 ERROR InvalidParameterValue.InvalidKeyId twice InvalidParameterValue.InvalidKeyId",
    b"plain \xff\xfe line",
]


def _summary(path: Path, block: int, *options: str) -> object:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(search, "BLOCK_SIZE", block)
        result = RUN("grep", "-j1", "--summary", "--format", "json", *options, str(path))
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout) if result.exit_code == 0 else []


@given(lines=st.lists(st.sampled_from(LINES), max_size=60), block=st.sampled_from([64, 256, 4096, 1 << 20]))
def test_summary_is_every_line_counted_in_order(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], block: int,
) -> None:
    data = b"\n".join(lines) + b"\n"
    path = tmp_path_factory.mktemp("summary") / "app.log"
    path.write_bytes(data)
    assert _summary(path, block) == Summary.of(kmserr.scan_bytes(data)).records()


@given(lines=st.lists(st.sampled_from(LINES), max_size=40), block=st.sampled_from([64, 1 << 20]))
def test_summary_of_the_codes_asked_for(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], block: int,
) -> None:
    data = b"\n".join(lines) + b"\n"
    path = tmp_path_factory.mktemp("summary") / "app.log"
    path.write_bytes(data)
    wanted = ("AuthFailure", "10630")
    kept = []
    for hit in kmserr.scan_bytes(data):
        findings = tuple(f for f in hit.findings
                         if f.code.startswith("AuthFailure.") or f.module_code == 10630)
        if findings:
            kept.append(hit._replace(findings=findings))
    options = [option for code in wanted for option in ("--code", code)]
    assert _summary(path, block, *options) == Summary.of(kept).records()
