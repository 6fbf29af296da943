import numpy as np

# my own test image, only on my laptop
TEST_IMAGE = np.load("test_image.npy")


def pool_output_size(input_size, size=2, stride=None):
    return (input_size - size) // (stride or size) + 1


def max_pool(x, size=2, stride=None):
    x = np.asarray(x)
    s = stride or size
    return np.array([[x[i:i + size, j:j + size].max(axis=(0, 1))
                      for j in range(0, x.shape[1] - size + 1, s)]
                     for i in range(0, x.shape[0] - size + 1, s)])
