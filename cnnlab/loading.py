"""Import a student's exercise modules from any folder, the way the grader does.

A student's ``convolution.py`` may say ``from exercises.padding import zero_pad`` or
``from padding import zero_pad``. Both must find *the student's* ``padding.py`` in the same
folder, not the installed stubs. So the folder is mounted as the package ``exercises`` (and,
for a copy of the reference, ``solutions``) and put first on ``sys.path``. The given support
modules come from the installed ``exercises`` package, and so does the stub of any exercise
module the student did not hand in: its functions then say "not implemented".

The sandboxed worker runs this module with ``catalog.py`` and ``calls.py`` as its only cnnlab
neighbours (``autograder.sandbox.isolation``): it imports no other cnnlab module.
"""

import ast
import contextlib
import importlib
import importlib.util
import sys
import types
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cnnlab import calls
from cnnlab.catalog import EXERCISES, MODULE_OF, SUPPORT_MODULES

PACKAGE_ALIASES = ("exercises", "solutions")


@dataclass
class LoadedExercises:
    """The student's modules that imported, and why the others did not."""

    folder: Path
    modules: dict[str, types.ModuleType] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # module -> what went wrong
    missing: list[str] = field(default_factory=list)  # modules not handed in
    # module -> what was left out of it: its import raised outside any function (a call
    # that tries the student's functions, an image read from their own disk, exit()), so
    # its top-level statements were run one by one without those that raised
    partial: dict[str, str] = field(default_factory=dict)

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
    """One short paragraph for the student: the error and where in their file it happened.
    The error may be a hostile object of the student's: it is read as ``cnnlab.calls``
    reads one (a real parse error is of the built-in classes themselves)."""
    if type(error) in (SyntaxError, IndentationError, TabError):
        assert isinstance(error, SyntaxError)
        where = f"{Path(error.filename or '?').name}, line {error.lineno}"
        return f"SyntaxError in {where}: {error.msg}\n    {(error.text or '').strip()}"
    frames = [(file, line) for file, line, _ in calls.frames_of(error)
              if "importlib" not in file and file != __file__]
    where = f" ({Path(frames[-1][0]).name}, line {frames[-1][1]})" if frames else ""
    return f"{calls.class_name(error)}{where}: {calls.message_of(error)}"


@contextlib.contextmanager
def exercises_from(folder: Path, skip: Collection[str] = (),
                   limit: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
                   ) -> Iterator[LoadedExercises]:
    """Import the exercise modules in ``folder``; undo every ``sys.modules`` change after.
    ``skip``: modules whose import hung or ended the worker before (the worker's import
    system refuses them): never run again, not even in part. ``limit()`` is entered around
    each import and each statement run again (``cnnlab check``'s time limit: there, no
    other process stops a module that loops at import)."""
    folder = Path(folder).resolve()
    given = given_code_dir()
    search = [str(folder)] + ([str(given)] if given and given != folder else [])
    saved_modules = dict(sys.modules)
    saved_path = list(sys.path)
    try:
        _mount(search, given)
        yield _import_all(folder, skip, limit)
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


def _import_all(folder: Path, skip: Collection[str],
                limit: Callable[[], contextlib.AbstractContextManager]) -> LoadedExercises:
    loaded = LoadedExercises(folder)
    for name in EXERCISES:
        if not (folder / f"{name}.py").is_file():
            loaded.missing.append(name)
        try:
            with limit():
                module = importlib.import_module(f"exercises.{name}")
        except BaseException as error:  # a student's module may raise anything at import
            if isinstance(error, KeyboardInterrupt):
                raise
            again = None if name in skip else _without_what_raised(
                folder / f"{name}.py", name, loaded, limit)
            if again is None:
                loaded.errors[name] = describe_import_error(error)
                continue
            module = again
        sys.modules.setdefault(name, module)
        for alias in PACKAGE_ALIASES[1:]:
            sys.modules.setdefault(f"{alias}.{name}", module)
        loaded.modules[name] = module
    return loaded


def _without_what_raised(path: Path, name: str, loaded: LoadedExercises,
                         limit: Callable[[], contextlib.AbstractContextManager],
                         ) -> types.ModuleType | None:
    """The student's module ``name`` run one top-level statement at a time, leaving out each
    statement that raises, as ``exercises.<name>``; None when it cannot be (not handed in,
    or not valid Python: that error is the note). What was left out goes to
    ``loaded.partial``."""
    try:  # decoded as the import decoded it (a Windows editor's BOM, a coding declaration)
        text = importlib.util.decode_source(path.read_bytes())
        tree = ast.parse(text, filename=str(path))
    except (OSError, ValueError, SyntaxError, LookupError, RecursionError, MemoryError):
        return None
    flags = _future_flags(tree)
    module = types.ModuleType(f"exercises.{name}")
    module.__file__, module.__package__ = str(path), "exercises"
    sys.modules[f"exercises.{name}"] = module  # as an import does: a cycle finds it
    left_out: list[tuple[ast.stmt, BaseException]] = []
    for statement in tree.body:
        code = compile(ast.Module([statement], []), str(path), "exec", flags=flags,
                       dont_inherit=True)
        try:
            with limit():
                exec(code, module.__dict__)
        except BaseException as error:  # as at import: anything but Ctrl-C is the student's
            if isinstance(error, KeyboardInterrupt):
                raise
            left_out.append((statement, error))
    if left_out:  # else it raised once and not again: nothing left out to tell
        loaded.partial[name] = _left_out_note(f"{name}.py", left_out)
    return module


def _left_out_note(file: str, left_out: list[tuple[ast.stmt, BaseException]]) -> str:
    (statement, error), *others = left_out
    message, name = calls.message_of(error), calls.class_name(error)
    text = f"{name}: {message}" if message else name
    lines = ", ".join(str(s.lineno) for s, _ in others)
    also = f"; also line{'s' if len(others) > 1 else ''} {lines}" if others else ""
    without = f"the rest of the file was run without {'those lines' if others else 'that line'}"
    if isinstance(statement, ast.Import | ast.ImportFrom):  # another module's error, often
        return (f"{file}, line {statement.lineno}, an import, failed ({text[:200]}{also}): "
                f"{without}. If it imports another of your modules, fix that module first.")
    return (f"{file} raised at import, outside any function (line {statement.lineno}: "
            f"{text[:200]}{also}): {without}. Code that tries your functions belongs under "
            '`if __name__ == "__main__":`.')


def _future_flags(tree: ast.Module) -> int:
    """The compiler flags of the module's ``from __future__ import ...``: compiled one
    statement at a time, the others would not have them."""
    import __future__

    flags = 0
    for statement in tree.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            for alias in statement.names:
                feature = getattr(__future__, alias.name, None)
                flags |= getattr(feature, "compiler_flag", 0)
    return flags
