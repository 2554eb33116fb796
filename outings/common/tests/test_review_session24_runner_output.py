"""Review, session 24: session 23's stop failed its CI on `make run`'s Ctrl-C. honcho's SIGINT
handler prints ("SIGINT received"), and Python runs a handler in the main thread between two
bytecodes: a Ctrl-C that arrived while the runner was printing a server's line wrote into
sys.stdout's buffer inside that buffer's own write, which raised RuntimeError "reentrant call",
ended honcho's loop with nothing stopped, and left the runner waiting for ever on its relays.

The stream here is the stack sys.stdout is (a TextIOWrapper over a BufferedWriter over a raw
file), its raw write raising a real signal, whose handler prints through honcho's Printer as
honcho's own handler does."""

import datetime
import io
import signal
from collections.abc import Buffer, Iterator

import pytest
from honcho.printer import Message, Printer

from outings.common.runner import _Output


class _Pipe(io.RawIOBase):
    """A raw file that records what reaches it and, once, raises SIGUSR1 in the middle of a
    write (the moment a Ctrl-C arrives while a line is going out)."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.interrupt = False

    def writable(self) -> bool:
        return True

    def write(self, data: Buffer, /) -> int:
        if self.interrupt:
            self.interrupt = False
            signal.raise_signal(signal.SIGUSR1)  # its handler runs here, inside this write
        self.received += data
        return memoryview(data).nbytes


def _line(text: str) -> Message:
    return Message(
        type="line",
        data=text,
        time=datetime.datetime(2026, 12, 7, tzinfo=datetime.UTC),
        name="system",
        colour=None,
    )


@pytest.fixture
def pipe_and_printer() -> Iterator[tuple[_Pipe, Printer]]:
    raw = _Pipe()
    # A small buffer and line buffering, as a terminal's or a pipe's stdout: every line
    # reaches the raw file at its flush.
    stream = io.TextIOWrapper(io.BufferedWriter(raw, buffer_size=64), line_buffering=True)
    printer = Printer(_Output(stream), colour=False)
    previous = signal.signal(
        signal.SIGUSR1, lambda signum, frame: printer.write(_line("SIGINT received\n"))
    )
    try:
        yield raw, printer
    finally:
        signal.signal(signal.SIGUSR1, previous)


@pytest.mark.parametrize("length", [10, 200], ids=["a short line", "a line longer than the buffer"])
def test_a_handler_printing_during_a_line_neither_raises_nor_loses_a_line(
    pipe_and_printer: tuple[_Pipe, Printer], length: int
) -> None:
    raw, printer = pipe_and_printer
    raw.interrupt = True

    printer.write(_line("web | " + "x" * length + "\n"))  # RuntimeError: reentrant call, before
    printer.write(_line("worker | stopped\n"))

    lines = raw.received.decode().splitlines()
    assert [line.split("| ", 1)[1] for line in lines] == [
        "web | " + "x" * length,
        "SIGINT received",
        "worker | stopped",
    ]


def test_without_a_signal_lines_go_out_as_written(pipe_and_printer: tuple[_Pipe, Printer]) -> None:
    """The control: nothing held back, nothing reordered, when no handler interrupts."""
    raw, printer = pipe_and_printer
    for number in range(3):
        printer.write(_line(f"line {number}\n"))
        assert raw.received.decode().count("\n") == number + 1  # out at once, flushed

    assert [line.split("| ", 1)[1] for line in raw.received.decode().splitlines()] == [
        "line 0",
        "line 1",
        "line 2",
    ]
