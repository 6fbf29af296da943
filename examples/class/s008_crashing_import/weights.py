def n_input_features(height, width, channels=1):
    if min(height, width, channels) < 1:
        raise ValueError("height, width and channels must be at least 1")
    return height * width * channels


def dense_weights(n_inputs, n_outputs):
    if n_inputs < 1 or n_outputs < 1:
        raise ValueError("n_inputs and n_outputs must be at least 1")
    return n_inputs * n_outputs


def sparse_weights(n_inputs, kernel_size):
    if kernel_size < 1 or n_inputs < kernel_size:
        raise ValueError("kernel_size must be between 1 and n_inputs")
    return (n_inputs - kernel_size + 1) * kernel_size


def shared_weights(kernel_size, n_kernels=1):
    if kernel_size < 1 or n_kernels < 1:
        raise ValueError("kernel_size and n_kernels must be at least 1")
    return kernel_size * n_kernels
