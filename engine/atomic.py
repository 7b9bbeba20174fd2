"""Write files so that a reader never sees half of one: temporary file, fsync, rename."""
from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path


def _create_temporary(folder: Path, name: str) -> tuple[int, str]:
    """A new, empty file next to the target. Created with mode 0o666 so the user's umask
    applies, as for any other file they save (tempfile.mkstemp would make it private)."""
    while True:
        tmp_name = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                           0o666), tmp_name
        except FileExistsError:
            continue


def atomic_write(path, write):
    """Call write(file_object) on a temporary file in the target's folder, then rename it over
    `path`. If anything fails, the temporary file is removed and any old file at `path` is intact.
    A file that is replaced keeps its permissions."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = _create_temporary(folder, path.name)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp_name, stat.S_IMODE(os.stat(path).st_mode))
        except OSError:
            pass  # no old file (or its mode cannot be copied): the new one keeps the umask's mode
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
