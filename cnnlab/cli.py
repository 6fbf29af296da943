"""The ``cnnlab`` command line: one subcommand per job.

Each subcommand lives in its own module with a ``register(subparsers)`` function; modules
keep the heavy imports (matplotlib, hypothesis, the grader) inside their functions, so that
``cnnlab --help`` costs only numpy's import on top of Python's start (about 0.2 s). A module
that is not installed (the student release has no grader) simply has no subcommand.

``cnnlab`` alone prints the help to stderr and exits 2 (it is a usage error, as for every
other wrong command line). Ctrl-C ends any command with one line and exit status 130, never
a traceback; ``cnnlab grade`` first writes what it has graded (``autograder.cli``).
"""

import argparse
import importlib
import importlib.metadata
import sys

COMMAND_MODULES = (
    "cnnlab.build",
    "cnnlab.new_exercise",
    "cnnlab.check",
    "autograder.cli",
    "cnnlab.platforms.nbgrader_course",
    "cnnlab.platforms.gradescope",
    "cnnlab.platforms.lms",
    "cnnlab.platforms.release",
    "question_bank.cli",
    "cnnlab.figures.gallery",
)
INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a command ended by Ctrl-C


class _Subcommands(argparse._SubParsersAction):
    """A subcommand without a description of its own is described by its one-line help, so
    that ``cnnlab COMMAND --help`` always says what the command does (also for nested ones:
    the parsers made here register this action again)."""

    def add_parser(self, name, **kwargs):
        if kwargs.get("description") is None:
            kwargs["description"] = kwargs.get("help")
        return super().add_parser(name, **kwargs)


class _Version(argparse.Action):
    """``--version``, looked up only when asked (reading the package metadata takes ~0.4 s)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version())
        parser.exit()


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", _Subcommands)


def version() -> str:
    """The installed distribution's version (``cnnlab``, or ``cnnlab-student`` in the
    student release); the source tree's when it is not installed."""
    for distribution in importlib.metadata.packages_distributions().get("cnnlab", []):
        try:
            return f"{distribution} {importlib.metadata.version(distribution)}"
        except importlib.metadata.PackageNotFoundError:
            continue
    from cnnlab import __version__
    return f"cnnlab {__version__} (not installed)"


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cnnlab",
        description="Exercises, grading and exam practice for the lecture "
                    "'Convolutional neural networks'.")
    parser.add_argument("--version", action=_Version,
                        help="print the installed version and exit")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND",
                                       parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name and name.startswith(error.name):
                continue  # not part of this installation
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        parser = make_parser()
        args = parser.parse_args(argv)
        if not hasattr(args, "func"):
            parser.print_help(sys.stderr)
            return 2
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("\ncnnlab: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
