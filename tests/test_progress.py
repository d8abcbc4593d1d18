"""The progress line: what it says, when it draws, and when it stays quiet."""

from __future__ import annotations

import gzip
import io
import lzma

from forum.cli.progress import Progress, clock_time, human_bytes
from importers import streams
from importers.pipeline import total_size


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_known_total_gives_share_rate_and_time_left():
    clock, out = Clock(), Terminal()
    bar = Progress("read", total=4 * 1024 * 1024, unit="B", stream=out, clock=clock)
    clock.now += 2
    bar.update(1024 * 1024, note="1,200 messages")
    line = out.getvalue()
    assert line.startswith("\r[######..................]  25%")
    assert "read 1.0 MB of 4.0 MB" in line
    assert "512.0 KB/s" in line
    assert "ETA 0:06" in line  # 3 MB left at 0.5 MB/s
    assert line.endswith("1,200 messages")


def test_without_a_total_the_count_and_rate_only():
    clock, out = Clock(), Terminal()
    bar = Progress("indexed", stream=out, clock=clock)
    clock.now += 4
    bar.update(2000)
    assert out.getvalue() == "\rindexed 2,000  500/s"


def test_redraws_are_rate_limited_and_finish_ends_the_line():
    clock, out = Clock(), Terminal()
    bar = Progress("scanned", total=10, stream=out, clock=clock)
    for done in range(1, 6):
        clock.now += 0.01
        bar.update(done)
    assert out.getvalue().count("\r") == 1  # the first draw only
    bar.finish()
    assert out.getvalue().count("\r") == 2
    assert out.getvalue().endswith("\n")
    assert "scanned 5 of 10" in out.getvalue().splitlines()[-1]


def test_a_shorter_line_blanks_what_the_longer_one_left():
    clock, out = Clock(), Terminal()
    bar = Progress("read", stream=out, clock=clock)
    clock.now += 1
    bar.update(5, note="a long note about the source")
    clock.now += 1
    bar.update(6)
    last = out.getvalue().split("\r")[-1]
    assert len(last) == len(out.getvalue().split("\r")[-2])


def test_quiet_and_non_terminals_get_nothing():
    pipe = io.StringIO()
    bar = Progress("read", total=10, stream=pipe)
    bar.update(5)
    bar.finish()
    assert pipe.getvalue() == ""
    tty = Terminal()
    quiet = Progress("read", total=10, stream=tty, quiet=True)
    quiet.update(5)
    quiet.finish()
    assert tty.getvalue() == ""


def test_figures_read_as_people_write_them():
    assert human_bytes(512) == "512 B"
    assert human_bytes(1536) == "1.5 KB"
    assert human_bytes(3 * 1024**3) == "3.0 GB"
    assert clock_time(75) == "1:15"
    assert clock_time(3725) == "1:02:05"


def test_the_meter_counts_the_bytes_on_disk_once(tmp_path):
    """A compressed mailbox read to the end counts its size on disk, however
    often it was opened (format sniffing opens it first)."""
    text = b"".join(b"From a@b Tue Apr  1 08:18:42 1997\nSubject: %d\n\nbody %d\n\n"
                    % (i, i) for i in range(2000))
    for suffix, pack in ((".gz", gzip.compress), (".xz", lzma.compress),
                         ("", bytes)):
        path = tmp_path / f"box{suffix}"
        path.write_bytes(pack(text))
        streams.METER.reset()
        with streams.open_binary(path) as stream:
            stream.read(10)
        with streams.open_binary(path) as stream:
            assert stream.read() == text
        assert streams.METER.done == path.stat().st_size == total_size([str(path)])


def test_the_meter_counts_tar_members_and_spool_files(tmp_path):
    import tarfile

    spool = tmp_path / "spool" / "sci" / "med"
    spool.mkdir(parents=True)
    for number in range(1, 6):
        (spool / str(number)).write_bytes(b"Subject: x\n\nbody\n" * number)
    tar_path = tmp_path / "spool.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        tar.add(tmp_path / "spool", arcname="spool")
    streams.METER.reset()
    assert len(list(streams.iter_tar_files(tar_path))) == 5
    assert streams.METER.done == tar_path.stat().st_size
    streams.METER.reset()
    for file in sorted(spool.iterdir()):
        streams.read_file(file)
    assert streams.METER.done == total_size([str(tmp_path / "spool")])
