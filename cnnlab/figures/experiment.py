"""The experiment's pictures: learning curves, the linear model's weight image next to the
CNN's learned kernels, and the CNN's feature maps of a few validation patches, from a run of
``solutions.experiment`` (the reference's layers)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from cnnlab.figures.render import new_figure
from solutions.convolution import conv_layer as reference_conv_layer
from solutions.experiment import SHAPE, Run, Setup, data, run_experiment, split, standardise
from solutions.weights import count_parameters, weights_as_image

COLOURS = {0.25: "tab:orange", 1.0: "tab:blue"}  # per share of the training set


@cache
def reference_runs(setup: Setup | None = None) -> tuple[Run, ...]:
    """The experiment (``Setup()`` if None) trained with the reference's layers, once per
    process: both figures show the same runs (training takes seconds)."""
    return tuple(run_experiment(Setup() if setup is None else setup))


def learning_curves(runs: tuple[Run, ...] | None = None) -> Figure:
    """Accuracy per epoch, one panel per model: training (dashed) and validation (solid),
    one colour per share of the training set."""
    runs = reference_runs() if runs is None else runs
    models = list(dict.fromkeys(r.model for r in runs))
    fig = new_figure(4.2 * len(models), 3.2)
    for ax, model in zip(fig.subplots(1, len(models), squeeze=False)[0], models, strict=True):
        mine = [r for r in runs if r.model == model]
        for run in mine:
            colour = COLOURS.get(run.fraction, "tab:grey")
            epochs = np.arange(1, len(run.curves.val_accuracy) + 1)
            ax.plot(epochs, run.curves.train_accuracy, "--", color=colour,
                    label=f"training, {run.n_train} samples")
            ax.plot(epochs, run.curves.val_accuracy, "-", color=colour,
                    label=f"validation ({run.n_train} for training)")
        ax.set_title(f"{model}: {count_parameters(mine[0].architecture, SHAPE)} parameters",
                     fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        ax.set_ylim(0.4, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    return fig


def weights_vs_kernels(runs: tuple[Run, ...] | None = None) -> Figure:
    """One row per share of the training set: the linear model's 1728 weights as a 24x24x3
    image, then each learned CNN kernel as a small image (both with ``weights_as_image``)."""
    runs = reference_runs() if runs is None else runs
    fractions = list(dict.fromkeys(r.fraction for r in runs))
    kernels = [r.params["kernels"] for r in runs if r.model == "CNN"]
    n_kernels = kernels[0].shape[-1] if kernels else 0
    fig = new_figure(2.3 + 1.15 * n_kernels, 2.5 * len(fractions))
    grid = fig.add_gridspec(len(fractions), 1 + n_kernels, width_ratios=[2] + [1] * n_kernels)
    for row, fraction in enumerate(fractions):
        linear = next(r for r in runs if r.fraction == fraction and r.model == "linear")
        ax = fig.add_subplot(grid[row, 0])
        _show(ax, weights_as_image(linear.params["w"], SHAPE),
              f"linear, {linear.n_train} samples:\n1728 weights as 24x24x3")
        learned = [r.params["kernels"] for r in runs if r.fraction == fraction
                   and r.model == "CNN"]
        for o in range(n_kernels if learned else 0):
            kernel = learned[0][..., o]
            _show(fig.add_subplot(grid[row, 1 + o]),
                  weights_as_image(kernel.ravel(), kernel.shape),
                  f"CNN kernel {o + 1}\n{'x'.join(map(str, kernel.shape))}")
    fig.suptitle("What was learned: the linear model's weight image and the CNN's kernels",
                 fontsize=10)
    return fig


def _show(ax, image: np.ndarray, title: str) -> None:
    ax.imshow(image, interpolation="nearest")
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


def learned_feature_maps(run: Run, patches: np.ndarray,
                         conv_layer: Callable[..., Any] = reference_conv_layer
                         ) -> list[np.ndarray]:
    """Per patch, the trained conv layer's output after ReLU, ``(H', W', filters)``: what the
    CNN of ``run`` computes first, with ``conv_layer`` (the reference's by default; a
    student's in the notebook) and its learned kernels and biases."""
    kernels, bias = run.params["kernels"], run.params["kernel_bias"]
    return [np.maximum(np.asarray(conv_layer(patch, kernels, bias), dtype=float), 0.0)
            for patch in patches]


def feature_maps_figure(runs: tuple[Run, ...] | None = None, count: int = 3,
                        setup: Setup | None = None,
                        conv_layer: Callable[..., Any] = reference_conv_layer) -> Figure:
    """One row per validation patch (the first ``count``, both labels): the patch, then the
    CNN's feature maps after ReLU, one per learned kernel, from the run trained on the whole
    training set."""
    setup = Setup() if setup is None else setup
    runs = reference_runs(setup) if runs is None else runs
    cnn = next(r for r in reversed(runs) if r.model == "CNN")
    shown, labels, standardised = validation_patches(setup, cnn.fraction, count)
    maps = learned_feature_maps(cnn, standardised, conv_layer)
    filters = maps[0].shape[-1]
    fig = new_figure(1.6 * (1 + filters), 1.75 * len(maps) + 0.5)
    axes = fig.subplots(len(maps), 1 + filters, squeeze=False)
    top = max(float(m.max()) for m in maps) or 1.0  # one scale: the maps can be compared
    for row, (patch, label, found) in enumerate(zip(shown, labels, maps, strict=True)):
        _show(axes[row, 0], patch, f"{'large' if label else 'small'} nucleus\n24x24x3")
        for o in range(filters):
            axes[row, 1 + o].imshow(found[..., o], cmap="gray", vmin=0.0, vmax=top,
                                    interpolation="nearest")
            axes[row, 1 + o].set_title(f"kernel {o + 1}: ReLU(conv)\n"
                                       f"{found.shape[0]}x{found.shape[1]}", fontsize=8)
            axes[row, 1 + o].set_xticks([])
            axes[row, 1 + o].set_yticks([])
    fig.suptitle(f"What the learned kernels respond to: feature maps of the CNN "
                 f"({cnn.n_train} training patches)", fontsize=10)
    return fig


def validation_patches(setup: Setup, fraction: float,
                       count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first ``count`` validation patches with labels 0 and 1 taking turns, as they look
    (RGB in [0, 1]), their labels, and as the CNN saw them (standardised by the statistics of
    the ``fraction`` of the training set it was trained on)."""
    train, (patches, labels) = data(setup)
    x, _ = split(*train, fraction, seed=setup.seed)
    chosen = _alternating(labels, count)
    return patches[chosen], labels[chosen], standardise(patches[chosen], x)


def _alternating(labels: np.ndarray, count: int) -> np.ndarray:
    """Indices of the first patches of each label, taking turns (small, large, small...)."""
    small, large = np.flatnonzero(labels == 0), np.flatnonzero(labels == 1)
    return np.array([(small, large)[i % 2][i // 2] for i in range(count)])
