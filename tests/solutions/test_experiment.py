"""The notebook's experiment (``solutions.experiment``): the seeded patch generator, the
models' gradients against central differences, training on tiny seeded problems, and the
notebook cell that runs it. Everything here is small: a few samples, a few epochs."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from cnnlab.platforms.notebooks import NOTEBOOK_DIR, NOTEBOOK_NAME
from solutions import experiment as ex
from solutions.backprop import numerical_gradient

TINY = ex.Setup(n_train=16, n_val=8, linear_epochs=3, cnn_epochs=2, filters=2, kernel=3)


# --- the generator ------------------------------------------------------------------------

def test_patches_are_24x24x3_floats_in_0_1_with_balanced_labels():
    patches, labels = ex.nuclei_patches(9, seed=3)
    assert patches.shape == (9, 24, 24, 3) and patches.dtype == np.float64
    assert patches.min() >= 0 and patches.max() <= 1
    assert sorted(labels.tolist()) == [0] * 5 + [1] * 4


def test_the_labels_come_in_random_order():
    labels = ex.nuclei_patches(20, seed=0)[1]
    assert labels.tolist() not in ([0, 1] * 10, [1, 0] * 10, sorted(labels.tolist()))


def test_the_same_seed_gives_identical_arrays():
    first, second = ex.nuclei_patches(6, seed=11), ex.nuclei_patches(6, seed=11)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_another_seed_gives_other_patches():
    assert not np.array_equal(ex.nuclei_patches(4, seed=1)[0], ex.nuclei_patches(4, seed=2)[0])


def test_the_generator_leaves_numpys_global_state_alone():
    np.random.seed(5)
    expected = np.random.random()
    np.random.seed(5)
    ex.nuclei_patches(3, seed=0)
    assert np.random.random() == expected


def _nucleus_area(patch: np.ndarray) -> int:
    """Pixels far from the tissue's colour (the patch's median), measured without the
    generator's code: more than half the way to the patch's most distant colour."""
    distance = np.linalg.norm(patch - np.median(patch.reshape(-1, 3), axis=0), axis=-1)
    return int((distance > distance.max() / 2).sum())


def test_a_large_nucleus_covers_more_pixels_than_a_small_one():
    patches, labels = ex.nuclei_patches(60, seed=0)
    areas = np.array([_nucleus_area(p) for p in patches])
    # radii 3.8-5.5 against 2-3.2 pixels: areas about 3 times larger
    assert np.median(areas[labels == 1]) > 2 * np.median(areas[labels == 0])


def test_too_few_patches_are_refused():
    with pytest.raises(ValueError, match="n must be at least 1"):
        ex.nuclei_patches(0)


def test_a_split_keeps_the_share_of_each_class_and_lies_inside_the_whole():
    patches, labels = ex.nuclei_patches(40, seed=0)
    part, part_labels = ex.split(patches, labels, 0.25)
    assert np.bincount(part_labels).tolist() == [5, 5]
    assert all(any(np.array_equal(p, q) for q in patches) for p in part)


@pytest.mark.parametrize("fraction", [0, 1.5])
def test_a_share_outside_0_1_is_refused(fraction):
    patches, labels = ex.nuclei_patches(4, seed=0)
    with pytest.raises(ValueError, match="fraction"):
        ex.split(patches, labels, fraction)


# --- gradients against central differences ------------------------------------------------

def _loss_of(model, name: str, x: np.ndarray, y: np.ndarray):
    """The mean cross-entropy as a function of one parameter array of ``model``."""
    def loss(value: np.ndarray) -> float:
        kept = model.params[name]
        model.params[name] = value
        try:
            return ex.cross_entropy(model.predict(x), y)
        finally:
            model.params[name] = kept
    return loss


def _tiny_batch(n: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    patches, labels = ex.nuclei_patches(n, seed=seed)
    return ex.standardise(patches, patches), labels


@pytest.mark.parametrize("name", ["w", "b"])
def test_logistic_gradients_agree_with_central_differences(name):
    x, y = _tiny_batch()
    model = ex.Linear(np.random.default_rng(0), ex.own_layers())
    model.params["w"] = np.random.default_rng(1).normal(scale=0.05, size=1728)
    numeric = numerical_gradient(_loss_of(model, name, x, y), model.params[name], eps=1e-5)
    assert np.allclose(model.gradients(x, y)[name], numeric, atol=1e-6)


def test_the_logistic_gradient_is_the_textbook_formula():
    """dL/dw = X^T (p - y) / n for the mean cross-entropy of a sigmoid."""
    x, y = _tiny_batch(4)
    model = ex.Linear(np.random.default_rng(0), ex.own_layers())
    flat = x.reshape(4, -1)
    p = 1 / (1 + np.exp(-(flat @ model.params["w"] + model.params["b"])))
    assert np.allclose(model.gradients(x, y)["w"], flat.T @ (p - y) / 4, atol=1e-10)


@pytest.mark.parametrize("name", ["kernels", "kernel_bias", "w", "b"])
def test_cnn_gradients_agree_with_central_differences(name):
    x, y = _tiny_batch(2)
    model = ex.TinyCNN(np.random.default_rng(0), ex.own_layers(), filters=2, kernel=3)
    numeric = numerical_gradient(_loss_of(model, name, x, y), model.params[name], eps=1e-5)
    assert np.allclose(model.gradients(x, y)[name], numeric, atol=1e-6)


# --- training -----------------------------------------------------------------------------

def test_logistic_regression_fits_a_linearly_separable_set():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 24, 24, 3))
    y = (x[:, :12].sum(axis=(1, 2, 3)) > 0).astype(int)  # the sign of the top half's sum
    model = ex.Linear(np.random.default_rng(1), ex.own_layers())
    curves = ex.train_model(model, (x, y), (x, y), epochs=20, learning_rate=0.01, batch=5)
    assert curves.train_accuracy[-1] == 1.0


def test_training_the_cnn_lowers_its_training_loss():
    x, y = _tiny_batch(12, seed=4)
    model = ex.TinyCNN(np.random.default_rng(0), ex.own_layers(), filters=2, kernel=3)
    before = ex.cross_entropy(model.predict(x), y)
    curves = ex.train_model(model, (x, y), (x, y), epochs=6, learning_rate=0.05, batch=4)
    assert curves.train_loss[-1] < before


def test_the_experiment_trains_both_models_on_both_shares():
    runs = ex.run_experiment(TINY)
    assert [(r.model, r.n_train) for r in runs] == [("linear", 4), ("CNN", 4),
                                                     ("linear", 16), ("CNN", 16)]
    assert [len(r.curves.val_accuracy) for r in runs] == [3, 2, 3, 2]
    assert all(0 <= a <= 1 for r in runs for a in r.curves.train_accuracy + r.curves.val_accuracy)


def _values(runs: list[ex.Run]) -> list:
    """Everything a run holds except its wall time."""
    return [(r.model, r.fraction, dataclasses.asdict(r.curves), r.params) for r in runs]


def test_the_same_setup_gives_identical_runs():
    first, second = _values(ex.run_experiment(TINY)), _values(ex.run_experiment(TINY))
    for a, b in zip(first, second, strict=True):
        assert a[:3] == b[:3]
        assert all(np.array_equal(a[3][k], b[3][k]) for k in a[3])


def test_the_experiment_trains_with_the_layers_it_is_given():
    class Used(Exception):
        pass

    def relu_backward(d_out, x):
        raise Used
    with pytest.raises(Used):
        ex.run_experiment(TINY, dataclasses.replace(ex.own_layers(), relu_backward=relu_backward))


def test_the_students_experiment_defaults_to_the_students_modules():
    import exercises.backprop
    import exercises.convolution
    import exercises.experiment
    layers = exercises.experiment.own_layers()
    assert layers.conv_layer is exercises.convolution.conv_layer
    assert layers.max_pool_backward is exercises.backprop.max_pool_backward


def test_the_accuracy_table_has_a_row_per_run():
    runs = ex.run_experiment(TINY)
    table = ex.accuracy_table(runs).splitlines()
    assert len(table) == 2 + len(runs)
    assert table[2].startswith("| linear | 4 (25%) |")
    assert table[-1].endswith(f"| {runs[-1].curves.val_accuracy[-1]:.1%} |")


# --- the notebook's cell ------------------------------------------------------------------

def test_show_experiment_says_not_implemented_for_stubs(capsys):
    def stub(*args, **kwargs):
        raise NotImplementedError
    layers = dataclasses.replace(ex.own_layers(), conv_layer=stub)
    assert ex.show_experiment(TINY, layers) is None
    assert capsys.readouterr().out == "experiment: not implemented yet\n"


def test_show_experiment_is_skipped_while_nbgrader_grades(capsys, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert ex.show_experiment(TINY) is None
    assert "skipped while nbgrader grades" in capsys.readouterr().out


def test_show_experiment_prints_the_table_and_the_parameter_counts(capsys):
    runs = ex.show_experiment(TINY)
    out = capsys.readouterr().out
    assert runs is not None and ex.accuracy_table(runs) in out
    # hand-counted: 1728 + 1; 3*3*3*2 + 2 and 11*11*2 + 1 (24 - 3 + 1 = 22, pooled to 11)
    assert "linear: 1729 parameters" in out and "CNN: 299 parameters" in out


def test_cnnlab_grade_does_not_run_the_experiment_in_a_notebook_hand_in():
    """The grader keeps a notebook's definitions only: the cell that trains is left out."""
    from autograder.submissions import notebook_modules
    modules = notebook_modules(NOTEBOOK_DIR / NOTEBOOK_NAME)
    cells = json.loads((NOTEBOOK_DIR / NOTEBOOK_NAME).read_text())["cells"]
    assert any("show_experiment()" in "".join(c["source"]) for c in cells)
    assert modules and not any("show_experiment()" in text for text in modules.values())


# --- the figures --------------------------------------------------------------------------

def test_the_figures_draw_a_panel_per_model_and_an_image_per_kernel():
    from cnnlab.figures.experiment import learning_curves, weights_vs_kernels
    runs = tuple(ex.run_experiment(TINY))
    assert len(learning_curves(runs).axes) == 2
    # per share: the linear weight image and TINY's 2 kernels
    assert len(weights_vs_kernels(runs).axes) == 2 * (1 + 2)


def _oracle_maps(patch: np.ndarray, kernels: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """ReLU of the conv layer's output, by SciPy's correlate2d per input channel."""
    import scipy.signal
    maps = np.stack([sum(scipy.signal.correlate2d(patch[..., c], kernels[..., c, o], "valid")
                         for c in range(patch.shape[-1])) + bias[o]
                     for o in range(kernels.shape[-1])], axis=-1)
    return np.maximum(maps, 0.0)


def test_the_feature_maps_are_the_relu_of_the_conv_layer_given():
    """Row by row: a small and a large nucleus of the validation set, standardised by the
    training set, through the conv_layer the figure is given (here a student's that doubles
    its output), then ReLU; one map per learned kernel."""
    from cnnlab.figures.experiment import feature_maps_figure
    from solutions.convolution import conv_layer
    runs = tuple(ex.run_experiment(TINY))
    cnn = next(r for r in runs if r.model == "CNN" and r.fraction == 1.0)
    patches, labels = ex.nuclei_patches(TINY.n_train + TINY.n_val, seed=TINY.seed)
    train, val, val_labels = patches[:TINY.n_train], patches[TINY.n_train:], labels[
        TINY.n_train:]
    first = [int(np.flatnonzero(val_labels == label)[0]) for label in (0, 1)]
    mean, std = train.mean(axis=(0, 1, 2)), train.std(axis=(0, 1, 2))

    def doubled(image, kernels, bias=None, padding=0, stride=1):
        return 2 * conv_layer(image, kernels, bias, padding, stride)
    figure = feature_maps_figure(runs, count=2, setup=TINY, conv_layer=doubled)
    axes = np.array(figure.axes).reshape(2, 1 + TINY.filters)
    for row, index in enumerate(first):
        want = _oracle_maps((val[index] - mean) / std, 2 * cnn.params["kernels"],
                            2 * cnn.params["kernel_bias"])
        assert np.array_equal(axes[row, 0].images[0].get_array(), val[index])
        assert ("small", "large")[row] in axes[row, 0].get_title()
        for o in range(TINY.filters):
            assert np.allclose(axes[row, 1 + o].images[0].get_array(), want[..., o])
