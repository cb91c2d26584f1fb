"""Files a command writes: the place checked before anything changes (`--out`'s check),
and the files written all together or not at all (`staged`). Exit 2 with one line when the
place cannot take them: a folder that cannot be written, a file where a folder should be."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from bigconv.cli.options import BadInput, Decorator


def out_option(func):
    """--out DIR, required, for the commands that write files: checked before the command
    changes anything (`writable_folder`)."""
    return click.option(
        "--out",
        "out_dir",
        required=True,
        type=click.Path(path_type=Path),
        callback=check_folder,
        help="Folder to write into (created if needed).",
    )(func)


def out_file_option(default: str, help: str) -> Decorator:
    """--out FILE, for a command that writes one file: checked first (`writable_file`)."""
    return click.option(
        "--out",
        "out_file",
        default=default,
        show_default=True,
        type=click.Path(path_type=Path),
        callback=check_file,
        help=help,
    )


def check_folder(ctx, param, value: Path | None) -> Path | None:
    """A click callback: `writable_folder` for an option naming a folder to write into."""
    return None if value is None else writable_folder(value)


def check_file(ctx, param, value: Path | None) -> Path | None:
    """A click callback: `writable_file` for an option naming a file to write."""
    return None if value is None else writable_file(value)


def folder(path: Path) -> Path:
    """The folder `path`, created if needed (exit 2 if it cannot be)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"{path}: cannot write there: {_reason(exc)}") from None
    return path


def writable_folder(path: Path) -> Path:
    """`path` if files can be written into it (it exists, or the nearest folder above it that
    exists lets it be made), checked by writing a scrap file there; else exit 2 with one line
    saying why. Nothing stays behind, and the folder is not made yet."""
    where = path
    while not where.exists() and where.parent != where:
        where = where.parent
    if not where.is_dir():
        named = "it is" if where == path else f"{where} is"
        raise BadInput(f"{path}: cannot write there: {named} a file, not a folder")
    try:
        with tempfile.NamedTemporaryFile(dir=where, prefix=".bigconv-check-"):
            pass
    except OSError as exc:
        raise BadInput(f"{path}: cannot write there: {_reason(exc)}") from None
    return path


def writable_file(path: Path) -> Path:
    """`path` if a file can be written at it (not a folder; its folder writable); else exit 2."""
    if path.is_dir():
        raise BadInput(f"{path}: cannot write there: it is a folder; give a file name")
    if path.exists() and not os.access(path, os.W_OK):
        raise BadInput(f"{path}: cannot write there: the file is read-only")
    writable_folder(path.parent)
    return path


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (choose another folder, or ask for write access to this one)"
    if exc.errno == errno.EROFS:
        return "the disk is read-only (choose a folder on another disk)"
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder"
    if exc.errno == errno.EISDIR:
        return "a folder has that name"
    return (exc.strerror or str(exc)).lower()


@contextlib.contextmanager
def staged(out_dir: Path, names: Sequence[str] = ()) -> Iterator[Path]:
    """Write a command's files all or none: the block writes into a new hidden folder inside
    `out_dir`; once it ends without error, each file takes its name in `out_dir` (replacing
    a file of that name), else the hidden folder goes and `out_dir` holds what it held. A
    write that fails (disk full, a name taken by a folder) is one line, exit 2. `names`, the
    files the block will write if known, are checked before it runs."""
    for name in names:
        if (out_dir / name).is_dir():
            raise BadInput(f"{out_dir / name}: cannot write there: a folder has that name")
    folder(out_dir)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=".bigconv-writing-", dir=out_dir))
    except OSError as exc:
        raise BadInput(f"{out_dir}: cannot write there: {_reason(exc)}") from None
    try:
        yield scratch
        written = sorted(p for p in scratch.rglob("*") if p.is_file())
        targets = [out_dir / p.relative_to(scratch) for p in written]
        if taken := [t for t in targets if t.is_dir()]:
            raise BadInput(f"{taken[0]}: cannot write there: a folder has that name")
    except OSError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise BadInput(f"{out_dir}: cannot write there: {_reason(exc)}") from None
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    try:
        for source, target in zip(written, targets, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    except OSError as exc:  # kept: what the block wrote may be all there is (new links)
        raise BadInput(
            f"{out_dir}: cannot put the files in place ({_reason(exc)}); they are in {scratch}"
        ) from None
    shutil.rmtree(scratch, ignore_errors=True)
