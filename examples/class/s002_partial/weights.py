def n_input_features(height, width, channels=1):
    return height * width * channels


def dense_weights(n_inputs, n_outputs):
    return n_inputs * n_outputs


def shared_weights(kernel_size, n_kernels=1):
    return kernel_size * n_kernels
