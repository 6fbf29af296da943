"""The question templates, in lecture order: ``TEMPLATES[name](rng, difficulty) -> Item``.

Each template is a ``Template`` (see ``base.py``) with a name, a learning outcome (LO1..LO5,
SPEC section 7), a type and a one-line description. Each outcome has one module
(``convolution``, ``images``, ``depth``, ``pooling``, ``kernel_size``; ``training`` for the
backprop ones) holding its templates' draws: the numbers each question uses. Their words are
data, one file per template in ``text/<template>.toml``; the mechanisms that fill them in are
``texts`` (computing templates) and ``concepts`` (multiple choice and true/false).
"""

from __future__ import annotations

from question_bank.templates import convolution, depth, images, kernel_size, pooling, training
from question_bank.templates.base import Template
from question_bank.templates.figures import conv_figure, pool_figure, receptive_figure

_NUM, _MC, _TF = "numeric", "multiple_choice", "true_false"

_ALL = (
    # LO1: the concept of convolution
    Template("conv1d_entry", "LO1", _NUM, "one output a_i of the lecture's 1-D convolution "
             "(5 inputs, kernel of 3; padding and stride at higher difficulty)",
             convolution.CONV1D_ENTRY),
    Template("conv2d_entry", "LO1", _NUM, "one entry of a 2-D convolution with padding and "
             "stride, input and kernel given as tables", convolution.CONV2D_ENTRY, conv_figure),
    Template("conv_output", "LO1", _NUM, "output width of a convolution: "
             "floor((n + 2p - k) / s) + 1", convolution.CONV_OUTPUT),
    Template("conv_computes", "LO1", _MC, "how one feature-map value is computed; a2 from a1",
             convolution.CONV_COMPUTES),
    Template("added_kernel", "LO1", _MC, "why an added kernel is a new channel, not a new "
             "layer", convolution.ADDED_KERNEL),
    Template("conv_facts", "LO1", _TF, "statements on kernels, padding, stride and "
             "cross-correlation", convolution.CONV_FACTS),
    # LO2: why convolution suits (medical) images
    Template("image_features", "LO2", _NUM, "input features of an H x W x C image "
             "(24x24x3 -> 1728)", images.IMAGE_FEATURES),
    Template("image_layer_weights", "LO2", _NUM, "weights of a fully connected vs a "
             "convolutional first layer on an image", images.IMAGE_LAYER_WEIGHTS),
    Template("translation", "LO2", _MC, "translation equivariance of convolution vs "
             "invariance", images.TRANSLATION),
    Template("structured_inputs", "LO2", _MC, "why weight sharing needs structured inputs "
             "such as images", images.STRUCTURED_INPUTS),
    Template("weight_image", "LO2", _MC, "why a dense unit's weight image is noisy after "
             "training on few samples", images.WEIGHT_IMAGE),
    Template("experiment_conclusion", "LO2", _MC, "why the CNN of the notebook's experiment "
             "generalises from fewer samples than a linear model", training.EXPERIMENT_CONCLUSION),
    Template("image_facts", "LO2", _TF, "statements on image features, sharing and "
             "equivariance", images.IMAGE_FACTS),
    # LO3: why convolutions enable deep networks
    Template("layer_weights", "LO3", _NUM, "weights of a dense vs sparse vs shared 1-D layer "
             "(5, 3: 15, 9, 3)", depth.LAYER_WEIGHTS),
    Template("conv_params", "LO3", _NUM, "parameters of a conv layer: k*k*C_in*C_out + "
             "C_out", depth.CONV_PARAMS),
    Template("architecture_params", "LO3", _NUM, "all parameters of a small CNN "
             "(count_parameters)", depth.ARCHITECTURE_PARAMS),
    Template("d_kernels_size", "LO3", _NUM, "backprop: the values of d_kernels (the kernels' "
             "shape), the terms added up in one entry", training.D_KERNELS_SIZE),
    Template("updated_weights", "LO3", _NUM, "backprop: how many parameters one step of "
             "gradient descent changes (a frozen first layer at difficulty 3)",
             training.UPDATED_WEIGHTS),
    Template("why_deep", "LO3", _MC, "sparse connectivity and weight sharing make deep "
             "networks affordable", depth.WHY_DEEP),
    Template("parallel", "LO3", _MC, "why a conv layer computes in parallel", depth.PARALLEL),
    Template("sparse_shared", "LO3", _MC, "sparse connectivity vs weight sharing",
             depth.SPARSE_SHARED),
    Template("depth_facts", "LO3", _TF, "statements on depth, weights and parallelism",
             depth.DEPTH_FACTS),
    # LO4: max-pooling
    Template("pool_output", "LO4", _NUM, "output width after pooling (after a conv at "
             "difficulty 3)", pooling.POOL_OUTPUT),
    Template("max_pool_entry", "LO4", _NUM, "one entry of max-pooling a feature map",
             pooling.MAX_POOL_ENTRY, pool_figure),
    Template("avg_pool_entry", "LO4", _NUM, "one entry of average pooling a feature map",
             pooling.AVG_POOL_ENTRY, pool_figure, fractions=True),
    Template("flatten_size", "LO4", _NUM, "values after conv and pooling layers, at flatten",
             pooling.FLATTEN_SIZE),
    Template("max_pool_gradient", "LO4", _NUM, "backprop: the gradient max-pooling passes "
             "back to one input element", training.MAX_POOL_GRADIENT),
    Template("maxpool_does", "LO4", _MC, "what max-pooling does and does not do (no weights)",
             pooling.MAXPOOL_DOES),
    Template("avg_vs_max", "LO4", _MC, "average vs max-pooling", pooling.AVG_VS_MAX),
    Template("pooling_facts", "LO4", _TF, "statements on pooling", pooling.POOLING_FACTS),
    # LO5: choice of kernel size
    Template("receptive_field_stack", "LO5", _NUM, "receptive field of a stack of conv and "
             "pooling layers", kernel_size.RECEPTIVE_FIELD_STACK, receptive_figure),
    Template("small_vs_large_kernels", "LO5", _NUM, "one 5x5 vs two 3x3, one 7x7 vs three "
             "3x3: parameters", kernel_size.SMALL_VS_LARGE_KERNELS),
    Template("conv_multiply_adds", "LO5", _NUM, "multiply-adds of a conv layer: "
             "Ho*Wo*k*k*C_in*C_out", kernel_size.CONV_MULTIPLY_ADDS),
    Template("kernel_tradeoff", "LO5", _MC, "what a kernel size trades off; a stack of 3x3 "
             "vs one 5x5", kernel_size.KERNEL_TRADEOFF),
    Template("kernel_facts", "LO5", _TF, "statements on kernel size, weights and receptive "
             "field", kernel_size.KERNEL_FACTS),
)

TEMPLATES: dict[str, Template] = {template.name: template for template in _ALL}

__all__ = ["TEMPLATES", "Template"]
