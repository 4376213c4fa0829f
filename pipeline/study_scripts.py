"""Find and load study scripts: ``digits_mlp`` means ``studies/digits_mlp.py``; a path to a .py file also works.

A study script defines ``STUDY = StudySpec(...)`` at module level.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from pipeline.config import StudySpec
from pipeline.errors import UsageError

STUDIES_DIR = Path(__file__).resolve().parent.parent / "studies"


def available(studies_dir: Path = STUDIES_DIR) -> list[str]:
    return sorted(p.stem for p in studies_dir.glob("*.py") if not p.stem.startswith("_"))


def load_study_spec(name_or_path: str, studies_dir: Path = STUDIES_DIR) -> StudySpec:
    """The ``STUDY`` declared by a study script; every way a script can be wrong is one ``UsageError``."""
    path = Path(name_or_path)
    if path.suffix != ".py":
        path = studies_dir / f"{name_or_path}.py"
        if not path.is_file():
            raise UsageError(
                f"unknown study {name_or_path!r} (choose from: {', '.join(available(studies_dir))}, or a path "
                "to a .py study script)"
            )
    elif not path.is_file():
        raise UsageError(f"study script {path} not found")
    module = _execute(path)
    spec = getattr(module, "STUDY", None)
    if not isinstance(spec, StudySpec):
        raise UsageError(f"{path} declares no study: define STUDY = StudySpec(...) at module level")
    return spec


def _execute(path: Path):
    module_name = f"_study_script_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))  # so a script can import an objective module beside it
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise UsageError(f"{path}:{exc.lineno}: syntax error: {exc.msg}") from None
    except UsageError as exc:
        raise UsageError(f"{path}: {exc}") from None
    except Exception as exc:
        raise UsageError(f"{path} failed to load: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.remove(str(path.parent))
    return module
