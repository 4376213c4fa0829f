"""Files we write — reports, exports, trial artifacts — appear whole or not at all.

Each is written to a temporary name in the same folder and renamed over the target (``os.replace`` is
atomic on one file system), so a kill at any moment leaves the previous file or the new one, never a
truncated one, and no one reading the folder ever sees half a file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO


def write_atomically(path: Path, content: str | bytes | BinaryIO) -> Path:
    """Write ``content`` (text as UTF-8, bytes, or a binary stream) to ``path`` whole, then return ``path``."""
    path = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as exc:  # name the file we were asked for, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(handle, "wb") as f:
            if isinstance(content, str):
                f.write(content.encode("utf-8"))
            elif isinstance(content, bytes):
                f.write(content)
            else:
                shutil.copyfileobj(content, f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it 0600; give it the mode open() would have
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
