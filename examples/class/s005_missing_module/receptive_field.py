def receptive_field(layers):
    # adds the kernel sizes, but forgets that earlier strides spread the later kernels
    field = 1
    for layer in layers:
        if layer["type"] in ("flatten", "dense"):
            raise ValueError(f"a {layer['type']} layer has no receptive field")
        if layer["type"] == "conv":
            field += layer["kernel_size"] - 1
        elif layer["type"] in ("maxpool", "avgpool"):
            field += layer.get("size", 2) - 1
    return field
