"""Find and load study scripts: ``digits_mlp`` means ``studies/digits_mlp.py``; a path to a .py file also works.

A study script defines ``STUDY = StudySpec(...)`` at module level.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import UsageError

if TYPE_CHECKING:
    from pipeline.config import StudySpec

STUDIES_DIR = Path(__file__).resolve().parent / "studies"  # the bundled ones: a link to studies/ in the repo


def available(studies_dir: Path = STUDIES_DIR) -> list[str]:
    """The study names in one folder."""
    return sorted(p.stem for p in studies_dir.glob("*.py") if not p.stem.startswith("_"))


def search_dirs(studies_dir: Path = STUDIES_DIR) -> list[Path]:
    """Where a study name is looked up: ``./studies/`` of the current folder first, then the bundled ones."""
    here = Path.cwd() / "studies"
    return [here, studies_dir] if here.resolve() != studies_dir.resolve() else [studies_dir]


def everywhere(studies_dir: Path = STUDIES_DIR) -> list[str]:
    """Every study name a command would find: those in ``./studies/`` and the bundled ones."""
    return sorted({name for folder in search_dirs(studies_dir) for name in available(folder)})


def find_study(name: str, studies_dir: Path = STUDIES_DIR) -> Path | None:
    return next((d / f"{name}.py" for d in search_dirs(studies_dir) if (d / f"{name}.py").is_file()), None)


def load_study_spec(name_or_path: str, studies_dir: Path = STUDIES_DIR) -> StudySpec:
    """The ``STUDY`` declared by a study script; every way a script can be wrong is one ``UsageError``.

    A name (``digits_mlp``) is looked up in ``./studies/`` then among the bundled studies; a path ending in
    ``.py`` is used as it is."""
    path = Path(name_or_path)
    if path.suffix != ".py":
        found = find_study(name_or_path, studies_dir)
        if found is None:
            raise UsageError(
                f"unknown study {name_or_path!r} (choose from: {', '.join(everywhere(studies_dir))}, or a path to a "
                ".py study script)"
            )
        path = found
    elif not path.is_file():
        stem = Path(name_or_path).stem
        hint = f"; did you mean the study name {stem!r}?" if find_study(stem, studies_dir) else ""
        raise UsageError(f"study script {path} not found{hint}")
    from pipeline.config import StudySpec  # here, not at the top: `tune --help` lists names without torch

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
    except SystemExit as exc:
        raise UsageError(
            f"{path} called sys.exit({exc.code!r}) while loading; a study script only declares STUDY (run its "
            "work from main(STUDY) under if __name__ == '__main__')"
        ) from None
    except Exception as exc:
        raise UsageError(f"{path} failed to load: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.remove(str(path.parent))
    return module
