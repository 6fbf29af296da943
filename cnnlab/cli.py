"""The ``cnnlab`` command line: one subcommand per job.

Each subcommand lives in its own module with a ``register(subparsers)`` function; modules
keep the heavy imports (matplotlib, hypothesis, the grader) inside their functions, so that
``cnnlab --help`` costs only numpy's import on top of Python's start (about 0.2 s). A module
that is not installed (the student release has no grader) simply has no subcommand.
"""

import argparse
import importlib
import sys

COMMAND_MODULES = (
    "cnnlab.build",
    "cnnlab.check",
    "autograder.cli",
    "cnnlab.platforms.nbgrader_course",
    "cnnlab.platforms.gradescope",
    "cnnlab.platforms.lms",
    "cnnlab.platforms.release",
    "question_bank.cli",
    "cnnlab.figures.gallery",
)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnnlab",
        description="Exercises, grading and exam practice for the lecture "
                    "'Convolutional neural networks'.")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
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
    parser = make_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
