import io
import os

import pytest

from pipeline.files import write_atomically


class Breaks(io.RawIOBase):
    """A stream that gives some bytes, then fails as a kill or a full disk would cut a write short."""

    def __init__(self) -> None:
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.sent >= 3 * 65536:
            raise OSError(28, "No space left on device")
        buffer[:65536] = b"x" * 65536
        self.sent += 65536
        return 65536


def test_a_write_cut_short_leaves_the_previous_file_whole_and_no_partial_file(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("the previous report")
    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, Breaks())
    assert target.read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_text_bytes_and_streams_are_written_whole_with_the_mode_open_would_give(tmp_path):
    write_atomically(tmp_path / "a.html", "héllo")
    write_atomically(tmp_path / "b.bin", b"\x00\x01")
    write_atomically(tmp_path / "c.svg", io.BytesIO(b"<svg/>"))
    assert (tmp_path / "a.html").read_text(encoding="utf-8") == "héllo"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "c.svg").read_bytes() == b"<svg/>"
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.html").stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_folder_we_cannot_write_names_the_file_we_asked_for(tmp_path):
    with pytest.raises(OSError) as raised:
        write_atomically(tmp_path / "missing" / "r.html", "x")
    assert raised.value.filename == str(tmp_path / "missing" / "r.html")
