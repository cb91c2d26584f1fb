"""Each private Textual (or textual-serve) API that bigconv/tui/_compat.py wraps, checked against
the installed version: an upgrade that changes one fails here, by name."""

from __future__ import annotations

import inspect
import os
import selectors
import struct
import subprocess
import sys

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap
from textual.drivers.web_driver import WebDriver
from textual.widgets import Input

from bigconv.tui import _compat
from bigconv.tui.web_driver import QuietInputReader, QuietWebDriver


class Box(_compat.KeyHandlerFirst, Input):
    """An Input whose key_first swallows "x" and counts the keys it saw."""

    BINDINGS = [Binding("f9", "mark", "Mark", id="box.mark")]

    def __init__(self) -> None:
        super().__init__(id="box")
        self.seen: list[str] = []
        self.marks = 0

    async def key_first(self, event: events.Key) -> bool:
        self.seen.append(event.key)
        return event.key == "x"

    def action_mark(self) -> None:
        self.marks += 1


class Host(App):
    BINDINGS = [Binding("f8", "ring", "Ring")]

    def __init__(self) -> None:
        super().__init__()
        self.rings = 0

    def compose(self) -> ComposeResult:
        yield Box()

    def action_ring(self) -> None:
        self.rings += 1


def test_check_bindings_is_a_coroutine_taking_a_key_and_priority():
    check = App._check_bindings
    assert inspect.iscoroutinefunction(check)
    assert list(inspect.signature(check).parameters) == ["self", "key", "priority"]


async def test_run_bindings_runs_the_apps_binding_for_the_focused_widget():
    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.focused is app.query_one(Box)
        assert await _compat.run_bindings(app, "f8") is True
        assert app.rings == 1
        assert await _compat.run_bindings(app, "f9") is True  # the focused widget's own, too
        assert app.query_one(Box).marks == 1
        assert await _compat.run_bindings(app, "f7") is False


async def test_own_bindings_are_the_widgets_with_the_keymap_applied():
    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        box = app.query_one(Box)
        assert isinstance(box._bindings, BindingsMap) and isinstance(app._keymap, dict)
        assert "f9" in _compat.own_bindings(box).key_to_bindings
        app.set_keymap({"box.mark": "f10"})
        rebound = _compat.own_bindings(box).key_to_bindings
        assert "f10" in rebound and "f9" not in rebound
        assert "f9" in box._bindings.key_to_bindings  # a copy: the widget's own are untouched


def test_input_inserts_printable_keys_in_its_own_key_handler():
    assert inspect.iscoroutinefunction(Input._on_key)
    assert "_on_key" in vars(Input) and "on_key" not in vars(Input)


async def test_key_first_sees_every_key_before_the_input_inserts_it():
    app = Host()
    async with app.run_test() as pilot:
        await pilot.press(*"axb", "left", "c", "f9")
        await pilot.pause()
        box = app.query_one(Box)
        assert box.value == "acb"  # "x" went no further; "left" still moved the cursor
        assert box.seen == ["a", "x", "b", "left", "c", "f9"]
        assert box.marks == 1  # a key key_first declines still reaches the bindings


def test_textual_serve_asks_for_the_web_driver_by_this_name():
    from textual_serve.app_service import AppService

    service = AppService(
        "true", write_bytes=None, write_str=None, close=None, download_manager=None
    )
    environment = service._build_environment()
    assert environment["TEXTUAL_DRIVER"] == _compat.TEXTUAL_WEB_DRIVER
    module, name = _compat.TEXTUAL_WEB_DRIVER.split(":")
    assert getattr(__import__(module, fromlist=[name]), name) is WebDriver


def test_textual_reads_the_driver_once_on_import():
    code = "import textual.constants as c; print(c.DRIVER)"
    env = {**os.environ, "TEXTUAL_DRIVER": "a.b:C"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "a.b:C"


def test_compat_imports_no_textual():
    """bigconv.station takes TEXTUAL_WEB_DRIVER from _compat before Textual may be imported."""
    code = "import sys, bigconv.station; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture
def stdin_pipe(monkeypatch):
    """Standard input as a pipe (the drivers' readers select on it; pytest's may be /dev/null)."""
    read_end, write_end = os.pipe()
    monkeypatch.setattr(sys, "__stdin__", os.fdopen(read_end, "rb", buffering=0))
    yield write_end
    sys.__stdin__.close()
    os.close(write_end)


class ListReader:
    """A reader that yields what it was given, and notes being closed."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = False

    def __iter__(self):
        yield from self.chunks

    def close(self) -> None:
        self.closed = True


def packet(data: bytes) -> bytes:
    """Standard input as textual-serve frames it: "D", a big-endian length, the bytes."""
    return b"D" + struct.pack(">I", len(data)) + data


@pytest.mark.skipif(os.name != "posix", reason="the quiet driver is for POSIX systems")
async def test_the_web_driver_reads_keys_through_the_replaced_reader(stdin_pipe):
    driver = WebDriver(App())
    assert isinstance(driver._input_reader._selector, selectors.BaseSelector)
    old = driver._input_reader
    reader = ListReader([packet(b"hi"), b""])
    _compat.replace_input_reader(driver, reader)
    assert driver._input_reader is reader
    assert old._selector.get_map() is None  # Textual's own reader was closed
    got: list = []
    driver.process_message = got.append  # type: ignore[method-assign]
    driver.run_input_thread()
    assert [e.key for e in got if isinstance(e, events.Key)] == ["h", "i"]
    assert reader.closed  # the input thread closes its reader when it ends
    reader.closed = False
    driver._write = len  # type: ignore[assignment]  # nothing to the terminal
    driver.stop_application_mode()
    assert reader.closed  # ... and so does stopping the driver (the station quits at once)


@pytest.mark.skipif(os.name != "posix", reason="the quiet driver is for POSIX systems")
async def test_the_quiet_driver_installs_the_quiet_reader(stdin_pipe):
    driver = QuietWebDriver(App())
    assert isinstance(driver._input_reader, QuietInputReader)
    driver._input_reader.close()


def test_datatable_draws_cells_and_lines_through_these_methods():
    """DrawnCellsKept wraps these two and reads these attributes (tests/tui/test_cached_table.py
    checks that what it keeps is what DataTable draws)."""
    from textual.widgets import DataTable

    cell = inspect.signature(DataTable._render_cell)
    assert list(cell.parameters) == [
        "self", "row_index", "column_index", "base_style", "width", "cursor", "hover",
    ]  # fmt: skip
    line = inspect.signature(DataTable._render_line)
    assert list(line.parameters) == ["self", "y", "x1", "x2", "base_style"]
    assert list(inspect.signature(DataTable._get_offsets).parameters) == ["self", "y"]
    table = DataTable()
    for name in ("_row_locations", "_column_locations", "_data", "_header_row_key",
                 "_show_hover_cursor", "_pseudo_class_state", "_labelled_row_exists"):  # fmt: skip
        assert hasattr(table, name), name


async def test_scroll_bars_follow_the_virtual_size_as_a_layout_would():
    """scroll_bars_follow calls Widget._scroll_update(virtual_size), which shows or hides the
    bars (through the layout-triggering show_*_scrollbar reactives) and sizes the thumb."""
    from textual.app import App
    from textual.geometry import Size
    from textual.widgets import DataTable

    from bigconv.tui._compat import scroll_bars_follow

    assert list(inspect.signature(DataTable._scroll_update).parameters) == ["self", "virtual_size"]

    class One(App):
        CSS = "DataTable { height: 1fr; }"

        def compose(self) -> ComposeResult:
            yield DataTable()

    app = One()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        table.set_reactive(DataTable.virtual_size, Size(20, 50))
        scroll_bars_follow(table)
        assert table.show_vertical_scrollbar
        assert table.vertical_scrollbar.window_virtual_size == 50
        table.set_reactive(DataTable.virtual_size, Size(20, 3))
        scroll_bars_follow(table)
        assert not table.show_vertical_scrollbar
