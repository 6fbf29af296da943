"""Import a student's exercise modules from any folder, the way the grader does.

A student's ``convolution.py`` may say ``from exercises.padding import zero_pad`` or
``from padding import zero_pad``. Both must find *the student's* ``padding.py`` in the same
folder, not the installed stubs. So the folder is mounted as the package ``exercises`` (and,
for a copy of the reference, ``solutions``) and put first on ``sys.path``. The given support
modules come from the installed ``exercises`` package, and so does the stub of any exercise
module the student did not hand in: its functions then say "not implemented".
"""

import contextlib
import importlib
import importlib.util
import sys
import traceback
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cnnlab.catalog import EXERCISES, MODULE_OF, SUPPORT_MODULES

PACKAGE_ALIASES = ("exercises", "solutions")


@dataclass
class LoadedExercises:
    """The student's modules that imported, and why the others did not."""

    folder: Path
    modules: dict[str, types.ModuleType] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # module -> what went wrong
    missing: list[str] = field(default_factory=list)  # modules not handed in

    def function(self, name: str):
        """The student's function ``name``, or None when its module did not import."""
        module = self.modules.get(MODULE_OF.get(name, ""))
        return getattr(module, name, None) if module else None


def given_code_dir() -> Path | None:
    """The installed ``exercises`` package: the support modules and the stubs."""
    spec = importlib.util.find_spec("exercises")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def describe_import_error(error: BaseException) -> str:
    """One short paragraph for the student: the error and where in their file it happened."""
    if isinstance(error, SyntaxError):
        where = f"{Path(error.filename or '?').name}, line {error.lineno}"
        return f"SyntaxError in {where}: {error.msg}\n    {(error.text or '').strip()}"
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if "importlib" not in f.filename and f.filename != __file__]
    where = f" ({Path(frames[-1].filename).name}, line {frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}{where}: {error}"


@contextlib.contextmanager
def exercises_from(folder: Path) -> Iterator[LoadedExercises]:
    """Import the exercise modules in ``folder``; undo every ``sys.modules`` change after."""
    folder = Path(folder).resolve()
    given = given_code_dir()
    search = [str(folder)] + ([str(given)] if given and given != folder else [])
    saved_modules = dict(sys.modules)
    saved_path = list(sys.path)
    try:
        _mount(search, given)
        yield _import_all(folder)
    finally:
        sys.modules.clear()
        sys.modules.update(saved_modules)
        sys.path[:] = saved_path


def _mount(search: list[str], given: Path | None) -> None:
    for alias in PACKAGE_ALIASES:
        for name in [n for n in sys.modules if n == alias or n.startswith(alias + ".")]:
            del sys.modules[name]
        package = types.ModuleType(alias)
        package.__path__ = list(search)
        sys.modules[alias] = package
    for name in list(EXERCISES) + list(SUPPORT_MODULES):
        sys.modules.pop(name, None)
    sys.path[:0] = search
    if given is not None:  # the support modules are always the given ones
        for name in SUPPORT_MODULES:
            module = importlib.import_module(f"exercises.{name}")
            for alias in PACKAGE_ALIASES[1:]:
                sys.modules[f"{alias}.{name}"] = module
            sys.modules[name] = module


def _import_all(folder: Path) -> LoadedExercises:
    loaded = LoadedExercises(folder)
    for name in EXERCISES:
        if not (folder / f"{name}.py").is_file():
            loaded.missing.append(name)
        try:
            module = importlib.import_module(f"exercises.{name}")
        except BaseException as error:  # a student's module may raise anything at import
            if isinstance(error, KeyboardInterrupt):
                raise
            loaded.errors[name] = describe_import_error(error)
            continue
        sys.modules.setdefault(name, module)
        for alias in PACKAGE_ALIASES[1:]:
            sys.modules.setdefault(f"{alias}.{name}", module)
        loaded.modules[name] = module
    return loaded
