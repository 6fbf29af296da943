# cnnlab given code: nothing to fill in here; use it in your answers.
# Generated from solutions/experiment.py by `cnnlab build`.
"""The lecture's experiment: a linear model against a tiny CNN, trained with your own layers.

Given code: nothing to fill in. The lecture's argument, reproduced: a linear model on a
24x24x3 image has 1728 weights, and trained on few samples its weight image "looks noisy"
("not enough training data to reliably estimate all model weights"); a CNN shares a few small
kernels over the whole image, and these kernels are learned, not hand-designed. Both models
are trained here on synthetic "medical" patches (large vs small nuclei) with *your*
``conv_layer``, ``relu``, ``max_pool``, ``sigmoid`` and their backward functions, on 25 % and on
100 % of the training set, keeping track of the training and the validation set.

Everything is deterministic for a given seed: all randomness comes from
``numpy.random.Generator`` objects made from the seed, none from global state (numpy
promises the same random streams for the same numpy version, NEP 19).

    patches, labels = nuclei_patches(200, seed=0)       # (200, 24, 24, 3), (200,)
    results = run_experiment()                          # four trained models and their curves
    print(accuracy_table(results))
"""

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from exercises.backprop import (
    conv_layer_backward,
    max_pool_backward,
    relu_backward,
    sigmoid_backward,
)
from exercises.convolution import conv_layer, relu, sigmoid
from exercises.pooling import max_pool
from exercises.weights import count_parameters

SHAPE = (24, 24, 3)  # the lecture's 24x24x3 image: 1728 input features
SMALL_RADIUS = (2.0, 3.2)  # the nucleus' mean radius in pixels, label 0
LARGE_RADIUS = (3.8, 5.5)  # label 1
TISSUE = np.array([0.93, 0.72, 0.82])  # eosin pink, RGB in [0, 1]
NUCLEUS = np.array([0.35, 0.2, 0.55])  # haematoxylin purple


# --- the data ---------------------------------------------------------------------------------

def nuclei_patches(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` synthetic stained-tissue patches of 24x24x3 and their labels, 1 for a large
    nucleus and 0 for a small one (half each, in random order).

    Each patch is pink tissue with one purple nucleus: a blurred ellipse at a random place
    (fully inside the patch), with a random orientation and elongation, a random stain colour
    and darkness, a random tissue brightness, and Gaussian pixel noise. The darkness varies
    so much that the amount of purple alone does not tell large from small: the shape of the
    edge does. Values are floats in [0, 1]; the same ``n`` and ``seed`` give the same arrays
    (with the same numpy version).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 2)
    patches = np.stack([_patch(rng, bool(label)) for label in labels])
    return patches, labels


def _patch(rng: np.random.Generator, large: bool) -> np.ndarray:
    radius = rng.uniform(*(LARGE_RADIUS if large else SMALL_RADIUS))
    elongation = rng.uniform(1.0, 1.5)  # ratio of the ellipse's axes
    radii = (radius * math.sqrt(elongation), radius / math.sqrt(elongation))
    margin = radii[0] + 1.0
    centre = rng.uniform(margin, SHAPE[0] - 1 - margin, size=2)
    angle = rng.uniform(0.0, math.pi)
    rows, cols = np.mgrid[0:SHAPE[0], 0:SHAPE[1]].astype(np.float64)
    along = (rows - centre[0]) * math.cos(angle) + (cols - centre[1]) * math.sin(angle)
    across = -(rows - centre[0]) * math.sin(angle) + (cols - centre[1]) * math.cos(angle)
    distance = np.sqrt((along / radii[0]) ** 2 + (across / radii[1]) ** 2)  # 1 on the edge
    # A soft edge about one pixel wide: the blur of the microscope.
    inside = 1.0 / (1.0 + np.exp(np.clip((distance - 1.0) * radius / 0.6, -50.0, 50.0)))
    darkness = rng.uniform(0.35, 1.0)
    tissue = TISSUE * rng.uniform(0.85, 1.05) + rng.normal(scale=0.03, size=3)
    nucleus = NUCLEUS + rng.normal(scale=0.06, size=3)
    colour = tissue + darkness * (nucleus - tissue)
    image = tissue + inside[..., None] * (colour - tissue)
    image += rng.normal(scale=0.05, size=SHAPE)
    return np.clip(image, 0.0, 1.0)


SMALL_SIDE = 8  # the patches fit's graded problem is made of: 8x8x1, 64 weights


def small_patches(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` small grey patches of 8x8x1 and their labels, 1 for a large nucleus and 0 for a
    small one (half each, in random order): the seeded problem ``fit`` is graded on.

    Each value is the stain's density (0 on the tissue, up to 0.7 in the nucleus): a blurred
    disk of radius 2.2-3 pixels (large) or 1.2-1.8 (small) near the centre, with a random
    darkness and Gaussian noise. Small enough that a linear model learns it in a few dozen
    steps of gradient descent; the same ``n`` and ``seed`` give the same arrays.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % 2)
    rows, cols = np.mgrid[0:SMALL_SIDE, 0:SMALL_SIDE].astype(np.float64)
    patches = np.empty((n, SMALL_SIDE, SMALL_SIDE, 1))
    for i, label in enumerate(labels):
        radius = rng.uniform(*((2.2, 3.0) if label else (1.2, 1.8)))
        centre = rng.uniform(2.5, 4.5, size=2)
        distance = np.hypot(rows - centre[0], cols - centre[1])
        inside = 1.0 / (1.0 + np.exp(np.clip((distance - radius) / 0.4, -50.0, 50.0)))
        darkness = rng.uniform(0.4, 0.7)
        noise = rng.normal(scale=0.05, size=(SMALL_SIDE, SMALL_SIDE))
        patches[i, ..., 0] = darkness * inside + noise
    return patches, labels


def split(patches: np.ndarray, labels: np.ndarray, fraction: float,
          seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A stratified share of the samples (``fraction`` of each class, at least one), in their
    original order: the 25 % training set is part of the 100 % one."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    rng = np.random.default_rng(seed)
    keep = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        keep[rng.choice(where, size=max(1, round(fraction * len(where))), replace=False)] = True
    return patches[keep], labels[keep]


# --- your layers --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Layers:
    """The forward and backward functions the models are built from."""

    conv_layer: Callable[..., Any]
    relu: Callable[..., Any]
    max_pool: Callable[..., Any]
    sigmoid: Callable[..., Any]
    conv_layer_backward: Callable[..., Any]
    relu_backward: Callable[..., Any]
    max_pool_backward: Callable[..., Any]
    sigmoid_backward: Callable[..., Any]


def own_layers() -> Layers:
    """Your functions (the exercises' modules; in the notebook, the cells you wrote), looked
    up when called, so that a changed answer is used at once."""
    return Layers(conv_layer, relu, max_pool, sigmoid, conv_layer_backward, relu_backward,
                  max_pool_backward, sigmoid_backward)


def _floats(value: Any) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


# --- the loss -----------------------------------------------------------------------------------

EPS = 1e-7  # probabilities are kept in [EPS, 1 - EPS]: log(0) is not a loss


def cross_entropy(p: np.ndarray, y: np.ndarray) -> float:
    """The mean binary cross-entropy ``-mean(y log p + (1 - y) log(1 - p))``."""
    p = np.clip(p, EPS, 1 - EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def cross_entropy_backward(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dL/dp of one sample's cross-entropy: ``(p - y) / (p (1 - p))``; times the sigmoid's
    ``p (1 - p)`` (your ``sigmoid_backward``) it becomes ``p - y``."""
    p = np.clip(p, EPS, 1 - EPS)
    return (p - y) / (p * (1 - p))


# --- the models -----------------------------------------------------------------------------

class Linear:
    """Logistic regression on the 1728 pixels: ``p = sigmoid(w . x + b)``, one weight per
    pixel and channel (``dense`` with 1 unit after ``flatten``)."""

    name = "linear"

    def __init__(self, rng: np.random.Generator, layers: Layers) -> None:
        self.layers = layers
        self.params = {"w": rng.normal(scale=0.01, size=math.prod(SHAPE)), "b": np.zeros(1)}

    def architecture(self) -> list[dict]:
        return [{"type": "flatten"}, {"type": "dense", "units": 1}, {"type": "sigmoid"}]

    def predict(self, patches: np.ndarray) -> np.ndarray:
        z = patches.reshape(len(patches), -1) @ self.params["w"] + self.params["b"]
        return _floats(self.layers.sigmoid(z))

    def gradients(self, patches: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
        """The loss' gradients with respect to ``w`` and ``b``, averaged over the batch."""
        x = patches.reshape(len(patches), -1)
        z = x @ self.params["w"] + self.params["b"]
        p = _floats(self.layers.sigmoid(z))
        d_z = _floats(self.layers.sigmoid_backward(cross_entropy_backward(p, labels), z))
        return {"w": x.T @ d_z / len(x), "b": np.array([d_z.mean()])}

    def weight_image(self) -> np.ndarray:
        """The 1728 weights, as the lecture shows them: a vector to reshape to 24x24x3."""
        return self.params["w"]


class TinyCNN:
    """conv (``filters`` kernels of ``kernel`` x ``kernel`` x 3) -> ReLU -> max-pool ->
    flatten -> dense (1 unit) -> sigmoid, one image at a time with your layers."""

    name = "CNN"

    def __init__(self, rng: np.random.Generator, layers: Layers, filters: int = 4,
                 kernel: int = 5, pool: int = 2) -> None:
        self.layers, self.pool = layers, pool
        fan_in = kernel * kernel * SHAPE[2]
        side = (SHAPE[0] - kernel + 1) // pool
        self.params = {  # small random kernels: what they show after training was learned
            "kernels": rng.normal(scale=0.3 * math.sqrt(2 / fan_in),
                                  size=(kernel, kernel, SHAPE[2], filters)),
            "kernel_bias": np.zeros(filters),
            "w": rng.normal(scale=math.sqrt(1 / (side * side * filters)),
                            size=side * side * filters),
            "b": np.zeros(1)}
        self.kernel, self.filters = kernel, filters

    def architecture(self) -> list[dict]:
        return [{"type": "conv", "filters": self.filters, "kernel_size": self.kernel},
                {"type": "relu"}, {"type": "maxpool", "size": self.pool}, {"type": "flatten"},
                {"type": "dense", "units": 1}, {"type": "sigmoid"}]

    def _forward(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """Every intermediate result of one image, as the backward pass needs them."""
        f, q = self.layers, self.params
        a = _floats(f.conv_layer(image, q["kernels"], q["kernel_bias"]))
        r = _floats(f.relu(a))
        m = _floats(f.max_pool(r, self.pool))
        z = np.array([m.ravel() @ q["w"]]) + q["b"]
        return {"a": a, "r": r, "m": m, "z": z, "p": _floats(f.sigmoid(z))}

    def predict(self, patches: np.ndarray) -> np.ndarray:
        return np.concatenate([self._forward(image)["p"] for image in patches])

    def gradients(self, patches: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
        """Backpropagation, image by image, from the loss back to the kernels; averaged."""
        f, q = self.layers, self.params
        total = {name: np.zeros_like(value) for name, value in q.items()}
        for image, label in zip(patches, labels, strict=True):
            s = self._forward(image)
            d_z = _floats(f.sigmoid_backward(cross_entropy_backward(s["p"], label), s["z"]))
            d_m = (d_z * q["w"]).reshape(s["m"].shape)  # the dense layer: z = m . w + b
            d_r = _floats(f.max_pool_backward(d_m, s["r"], self.pool))
            d_a = _floats(f.relu_backward(d_r, s["a"]))
            _, d_kernels, d_bias = f.conv_layer_backward(d_a, image, q["kernels"])
            total["kernels"] += _floats(d_kernels)
            total["kernel_bias"] += _floats(d_bias)
            total["w"] += d_z * s["m"].ravel()
            total["b"] += d_z
        return {name: value / len(patches) for name, value in total.items()}


# --- training -----------------------------------------------------------------------------------

@dataclass
class Curves:
    """Loss and accuracy on the training and the validation set, once per epoch."""

    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)


def accuracy(p: np.ndarray, y: np.ndarray) -> float:
    """The share of samples on the right side of 0.5."""
    return float(np.mean((p > 0.5) == (y == 1)))


def train_model(model: Linear | TinyCNN, train: tuple[np.ndarray, np.ndarray],
                val: tuple[np.ndarray, np.ndarray], epochs: int, learning_rate: float,
                batch: int = 10, seed: int = 0) -> Curves:
    """Mini-batch gradient descent: every epoch visits the training set in a new order
    (from ``seed``), one step ``param -= learning_rate * gradient`` per batch, then measures
    both sets. (Not called ``fit``: that is your exercise in ``backprop``, whose cell comes
    after this code in the notebook and would replace it.)"""
    rng = np.random.default_rng(seed)
    curves = Curves()
    x, y = train
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch):
            chosen = order[start:start + batch]
            for name, gradient in model.gradients(x[chosen], y[chosen]).items():
                model.params[name] -= learning_rate * gradient
        for (xs, ys), loss, acc in ((train, curves.train_loss, curves.train_accuracy),
                                    (val, curves.val_loss, curves.val_accuracy)):
            p = model.predict(xs)
            loss.append(cross_entropy(p, ys))
            acc.append(accuracy(p, ys))
    return curves


# --- the experiment -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Setup:
    """The experiment's sizes and settings: small enough to train in seconds with numpy."""

    n_train: int = 400
    n_val: int = 300
    fractions: tuple[float, ...] = (0.25, 1.0)
    seed: int = 0
    batch: int = 10
    linear_epochs: int = 60
    linear_rate: float = 0.01
    cnn_epochs: int = 12
    cnn_rate: float = 0.05
    filters: int = 4
    kernel: int = 5
    pool: int = 2


@dataclass
class Run:
    """One trained model: which, on how many samples, its curves and its parameters."""

    model: str
    fraction: float
    n_train: int
    curves: Curves
    params: dict[str, np.ndarray]
    architecture: list[dict]
    seconds: float  # wall time of the training: the one thing that differs between machines


def standardise(patches: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each channel shifted and scaled by the mean and standard deviation of ``reference``
    (the training set): gradient descent then needs one learning rate for all inputs."""
    return (patches - reference.mean(axis=(0, 1, 2))) / reference.std(axis=(0, 1, 2))


def data(setup: Setup) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The training and the validation set, drawn from ``setup.seed``."""
    patches, labels = nuclei_patches(setup.n_train + setup.n_val, seed=setup.seed)
    n = setup.n_train
    return (patches[:n], labels[:n]), (patches[n:], labels[n:])


def run_experiment(setup: Setup = Setup(), layers: Layers | None = None) -> list[Run]:
    """Train the linear model and the CNN on each fraction of the training set, with
    ``layers`` (your functions if None); the same ``setup`` gives the same runs."""
    layers = own_layers() if layers is None else layers
    train, val = data(setup)
    runs = []
    for fraction in setup.fractions:
        x, y = split(*train, fraction, seed=setup.seed)
        subset, held_out = (standardise(x, x), y), (standardise(val[0], x), val[1])
        models: list[tuple[Linear | TinyCNN, int, float]] = [
            (Linear(np.random.default_rng((setup.seed, 1)), layers),
             setup.linear_epochs, setup.linear_rate),
            (TinyCNN(np.random.default_rng((setup.seed, 2)), layers, setup.filters,
                     setup.kernel, setup.pool), setup.cnn_epochs, setup.cnn_rate)]
        for model, epochs, rate in models:
            start = time.perf_counter()
            curves = train_model(model, subset, held_out, epochs, rate, setup.batch,
                                 seed=setup.seed)
            runs.append(Run(model.name, fraction, len(y), curves, model.params,
                            model.architecture(), time.perf_counter() - start))
    return runs


def accuracy_table(runs: list[Run]) -> str:
    """The final validation (and training) accuracy of every run, as a Markdown table."""
    lines = ["| model | training samples | training accuracy | validation accuracy |",
             "| --- | ---: | ---: | ---: |"]
    lines += [f"| {r.model} | {r.n_train} ({r.fraction:.0%}) | "
              f"{r.curves.train_accuracy[-1]:.1%} | {r.curves.val_accuracy[-1]:.1%} |"
              for r in runs]
    return "\n".join(lines)


def show_experiment(setup: Setup = Setup(), layers: Layers | None = None) -> list[Run] | None:
    """Run the experiment with your functions and print what it found: the parameter counts,
    the accuracy table and the validation accuracy per epoch. Returns the runs, or None when
    a function it needs is not implemented yet or nbgrader is grading the notebook."""
    if os.environ.get("NBGRADER_EXECUTION"):  # nbgrader's autograde: 30 s per cell at most
        print("experiment: skipped while nbgrader grades the notebook")
        return None
    try:
        runs = run_experiment(setup, layers)
    except NotImplementedError:
        print("experiment: not implemented yet")  # as the examples cells say it
        return None
    print(f"{setup.n_train} training and {setup.n_val} validation patches (seed "
          f"{setup.seed}), trained in {sum(r.seconds for r in runs):.1f} s\n")
    print(accuracy_table(runs), "\n")
    for run in runs:
        if run.fraction == setup.fractions[-1]:
            print(f"{run.model}: {_parameters(run.architecture)}; validation accuracy per "
                  f"epoch: {' '.join(f'{a:.2f}' for a in run.curves.val_accuracy)}")
    return runs


def _parameters(architecture: list[dict]) -> str:
    try:
        return f"{count_parameters(architecture, SHAPE)} parameters"
    except NotImplementedError:
        return "count_parameters is not implemented yet"
