"""What runs inside the sandbox; ``autograder.sandbox.runtime_dir`` copies this folder whole."""
