"""What the exercises are: modules, graded functions, and the support modules given to students.

Everything that lists the exercises (the builder, the self-check, the grader, the notebooks)
reads it from here, so adding an exercise means changing one place.
"""

# Module -> the graded functions it defines, in the order of the lecture.
EXERCISES: dict[str, tuple[str, ...]] = {
    "padding": ("zero_pad", "conv_output_size", "same_padding"),
    "convolution": ("conv1d", "conv2d", "conv_layer", "relu", "sigmoid"),
    "pooling": ("pool_output_size", "max_pool", "avg_pool"),
    "weights": ("n_input_features", "dense_weights", "sparse_weights", "shared_weights",
                "conv_layer_params", "dense_layer_params", "output_shape", "count_parameters",
                "weights_as_image"),
    "receptive_field": ("receptive_field", "effective_stride"),
}

# Given code: shipped to students whole, used by their answers, never graded.
SUPPORT_MODULES: tuple[str, ...] = ("validation", "architecture")

FUNCTIONS: tuple[str, ...] = tuple(f for names in EXERCISES.values() for f in names)
MODULE_OF: dict[str, str] = {f: m for m, names in EXERCISES.items() for f in names}
