"""The unescaping of quoted values as kmserr did it before json's C scanner read JSON strings: an
escape at a time, every place listed. Kept as the reference that `extract._unescape_with_places`
must agree with (tests/test_fast_readers.py), character for character and place for place."""

import re

_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.DOTALL)
_ESCAPE_OR_RUN = re.compile(
    r"\\(?:(?P<run>u(?![dD][89a-fA-F])[0-9a-fA-F]{4}(?:\\u(?![dD][89a-fA-F])[0-9a-fA-F]{4})+)"
    r"|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))",
    re.DOTALL,
)
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "a": "\a", "v": "\v", "0": "\0"}


def unescape_with_places(raw: str, at: int) -> tuple[str, list[int]]:
    """The text unescaped, and the place of each of its characters and of its end, listed."""
    pieces: list[str] = []
    starts: list[int] = []  # the places as runs: where each run begins among them, and its first place
    firsts: list[int] = []
    count = 0
    done = 0
    for escape in _ESCAPE_OR_RUN.finditer(raw):
        if escape.start() < done:  # the low half of a surrogate pair, read with its high half
            continue
        pieces.append(raw[done : escape.start()])
        starts.append(count)
        firsts.append(at + done)
        count += escape.start() - done
        run, *hex_groups, char = escape.groups()
        if run is not None:  # `\uXXXX` escapes, each one place six characters after the last
            length = (escape.end() - escape.start()) // 6
            pieces.append(escape.group().encode("ascii").decode("unicode_escape"))
            starts.extend(range(count, count + length))
            firsts.extend(range(at + escape.start(), at + escape.end(), 6))
            count += length
            done = escape.end()
            continue
        hex_digits = next((h for h in hex_groups if h), None)
        number = int(hex_digits, 16) if hex_digits else 0
        end = escape.end()
        if 0xD800 <= number <= 0xDBFF and escape.group(3):
            # `\ud83d\ude00` is one character to JSON (and to Python's `\u` escapes in a JSON
            # string): json.loads joins the halves, and so must this, or the text holds two lone
            # surrogates where the writer meant one emoji. A half alone stays as json.loads keeps it.
            low = _ESCAPE.match(raw, end)
            if low is not None and low.group(2) and 0xDC00 <= (second := int(low.group(2), 16)) <= 0xDFFF:
                number = 0x10000 + ((number - 0xD800) << 10) + (second - 0xDC00)
                end = low.end()
        if hex_digits and number <= 0x10FFFF:
            pieces.append(chr(number))
        else:
            pieces.append(_ESCAPED.get(char, char) if char else escape.group())
        starts.append(count)  # the escape (a pair's two): one place, whatever it stands for
        firsts.append(at + escape.start())
        count += 1
        done = end
    pieces.append(raw[done:])
    starts.append(count)
    firsts.append(at + done)
    length = count + len(raw) - done + 1
    places: list[int] = []
    for index in range(length):
        run = max(i for i, start in enumerate(starts) if start <= index)
        places.append(firsts[run] + index - starts[run])
    return "".join(pieces), places

