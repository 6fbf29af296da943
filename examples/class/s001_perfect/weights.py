import numpy as np

from exercises.architecture import check_input_shape, layer_settings
from exercises.padding import conv_output_size
from exercises.pooling import pool_output_size
from exercises.validation import check_fits, check_ndim, check_positive


def n_input_features(height, width, channels=1):
    return (check_positive("height", height) * check_positive("width", width)
            * check_positive("channels", channels))


def dense_weights(n_inputs, n_outputs):
    return check_positive("n_inputs", n_inputs) * check_positive("n_outputs", n_outputs)


def sparse_weights(n_inputs, kernel_size):
    n, k = check_positive("n_inputs", n_inputs), check_positive("kernel_size", kernel_size)
    check_fits("kernel_size", k, "n_inputs", n)
    return (n - k + 1) * k


def shared_weights(kernel_size, n_kernels=1):
    return check_positive("kernel_size", kernel_size) * check_positive("n_kernels", n_kernels)


def conv_layer_params(kernel_size, in_channels, out_channels, bias=True):
    k = check_positive("kernel_size", kernel_size)
    c_out = check_positive("out_channels", out_channels)
    weights = k * k * check_positive("in_channels", in_channels) * c_out
    return weights + c_out if bias else weights


def dense_layer_params(n_inputs, n_outputs, bias=True):
    return dense_weights(n_inputs, n_outputs) + (n_outputs if bias else 0)


def _walk(layers, input_shape):
    """Yield (settings, shape before the layer, shape after it) for every layer."""
    shape = check_input_shape(input_shape)
    for index, layer in enumerate(layers):
        s = layer_settings(layer, index)
        before = shape
        if s["type"] in ("conv", "maxpool", "avgpool") and len(shape) != 3:
            raise ValueError(f"layers[{index}] comes after flatten")
        if s["type"] == "conv":
            shape = (conv_output_size(shape[0], s["kernel_size"], s["padding"], s["stride"]),
                     conv_output_size(shape[1], s["kernel_size"], s["padding"], s["stride"]),
                     s["filters"])
        elif s["type"] in ("maxpool", "avgpool"):
            shape = (pool_output_size(shape[0], s["size"], s["stride"]),
                     pool_output_size(shape[1], s["size"], s["stride"]), shape[2])
        elif s["type"] == "flatten":
            shape = (int(np.prod(shape)),)
        elif s["type"] == "dense":
            if len(shape) != 1:
                raise ValueError(f"layers[{index}] dense needs flatten first")
            shape = (s["units"],)
        yield s, before, shape


def output_shape(layers, input_shape):
    shape = check_input_shape(input_shape)
    for _, _, shape in _walk(layers, input_shape):
        pass
    return tuple(shape)


def count_parameters(layers, input_shape):
    total = 0
    for s, before, _ in list(_walk(layers, input_shape)):
        if s["type"] == "conv":
            total += conv_layer_params(s["kernel_size"], before[2], s["filters"], s["bias"])
        elif s["type"] == "dense":
            total += dense_layer_params(before[0], s["units"], s["bias"])
    return total


def weights_as_image(weights, shape):
    weights = np.asarray(weights)
    check_ndim("weights", weights, 1)
    shape = tuple(check_positive("shape", d) for d in shape)
    if weights.size != int(np.prod(shape)):
        raise ValueError("weights has the wrong number of values for shape")
    image = weights.reshape(shape).astype(float)
    spread = image.max() - image.min()
    return np.zeros(shape) if spread == 0 else (image - image.min()) / spread
