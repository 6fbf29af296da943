from exercises.architecture import layer_settings


def _steps(layers):
    for index, layer in enumerate(layers):
        s = layer_settings(layer, index)
        if s["type"] in ("flatten", "dense"):
            raise ValueError(f"layers[{index}] ({s['type']}) has no receptive field")
        if s["type"] == "conv":
            yield s["kernel_size"], s["stride"]
        elif s["type"] in ("maxpool", "avgpool"):
            yield s["size"], s["stride"]


def receptive_field(layers):
    field, jump = 1, 1
    for kernel, stride in _steps(layers):
        field = field + (kernel - 1) * jump
        jump = jump * stride
    return field


def effective_stride(layers):
    jump = 1
    for _, stride in _steps(layers):
        jump *= stride
    return jump
