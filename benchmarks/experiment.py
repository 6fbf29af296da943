"""How long does the notebook's experiment take, and what does it find? Prints two tables;
asserts nothing.

    python3 benchmarks/experiment.py                     # one run of the default setup
    python3 benchmarks/experiment.py --figures           # and redraw the experiment's PNGs
    OMP_NUM_THREADS=1 python3 benchmarks/experiment.py   # numpy's BLAS on one core

Trains the experiment of ``solutions.experiment`` (``Setup()``: 400 training and 300
validation patches, logistic regression and the tiny CNN on 25 % and 100 %) with the
reference's layers and prints each model's training time (wall time, ``time.perf_counter``)
and the accuracy table. ``--figures`` writes the learning curves, the weight image next
to the learned kernels and the CNN's feature maps (``cnnlab.figures.experiment``) into
``docs/figures/`` and ``notebooks/figures/``, where the docs and the notebook's story show
them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solutions.experiment import Run, Setup, accuracy_table, run_experiment  # noqa: E402

FIGURES = {"experiment_curves": "learning_curves", "experiment_weights": "weights_vs_kernels",
           "experiment_feature_maps": "feature_maps_figure"}


def draw(runs: list[Run]) -> list[Path]:
    from cnnlab.figures import experiment
    from cnnlab.figures.render import save

    written = []
    for stem, function in FIGURES.items():
        for folder in (ROOT / "docs" / "figures", ROOT / "notebooks" / "figures"):
            figure = getattr(experiment, function)(tuple(runs))
            written.append(save(figure, folder / f"{stem}.png"))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", action="store_true",
                        help="also write the experiment's figures into docs/ and notebooks/")
    args = parser.parse_args()
    print(f"os.cpu_count() = {os.cpu_count()}, OMP_NUM_THREADS = "
          f"{os.environ.get('OMP_NUM_THREADS', 'unset')}\n")
    runs = run_experiment(Setup())
    print("| model | training samples | epochs | seconds |\n| --- | ---: | ---: | ---: |")
    for run in runs:
        print(f"| {run.model} | {run.n_train} ({run.fraction:.0%}) | "
              f"{len(run.curves.val_accuracy)} | {run.seconds:.2f} |")
    print(f"| all four | | | {sum(r.seconds for r in runs):.2f} |\n")
    print(accuracy_table(runs))
    if args.figures:
        for path in draw(runs):
            print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
