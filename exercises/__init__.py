"""Your exercises for the lecture "Convolutional neural networks".

Fill in the functions in padding.py, convolution.py, pooling.py, weights.py,
receptive_field.py and backprop.py, then run ``cnnlab check`` to compare them with the
public examples.
validation.py and architecture.py are given code that you may use; experiment.py is given
code that trains a linear model and a small CNN with your functions (show_experiment()).
"""
