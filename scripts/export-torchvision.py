#!/usr/bin/python3
"""Exports the model-test fixtures: real torch.onnx output plus torch's own answer for one seeded input.

For every model this writes, into .cache/fixtures/ (gitignored):
  <name>.onnx         torch.onnx.export(..., opset_version=13), input named `input`, output named `output`
  <name>.input.npy    a seeded random input (float32, C order)
  <name>.output.npy   torch's output for that input (float32)

No pretrained weights can be downloaded here, so every model is randomly initialised with torch.manual_seed(0);
that exercises the same graph and ops as the trained model. Freshly initialised BatchNorm layers (mean 0, var 1)
let the activations of MobileNetV2 and EfficientNet shrink to ~1e-8 and ~1e-13 by the logits, which would make the
test blind (every Clip and Sigmoid sits in one regime), so the BatchNorm statistics are first recalibrated on
random batches, as one does after changing a network. Existing fixtures are kept unless --force is given.

Usage: /usr/bin/python3 scripts/export-torchvision.py [--force] [--out DIR] [name ...]
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, ".cache", "fixtures")
OPSET = 13


def calibrate_batch_norm(model, input_shape, batches=2):
    """Sets every BatchNorm's running statistics to the cumulative average over a few random batches, so each
    layer's output is roughly unit-scale (only BatchNorm runs in training mode: dropout and stochastic depth stay off)."""
    model.eval()
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None
        norm.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(*input_shape))
    model.eval()


def vision(builder, batch=1):
    """A torchvision classifier on a batch×3×224×224 input."""
    def make():
        model = builder(weights=None)
        calibrate_batch_norm(model, (4, 3, 224, 224))
        return model, torch.randn(batch, 3, 224, 224)
    return make


def transformer_encoder():
    """Two post-norm encoder layers. enable_nested_tensor=False and eval() keep torch 1.13 on the plain
    (non-fused, non-nested) path, so the export is MatMul/Softmax/LayerNorm-style primitives."""
    layer = torch.nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128, dropout=0.1, batch_first=True)
    model = torch.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
    return model, torch.randn(1, 10, 64)


# name → (factory returning (model, input), dynamic_axes or None)
MODELS = {
    "mobilenet_v2": (vision(torchvision.models.mobilenet_v2), None),
    "resnet18": (vision(torchvision.models.resnet18), None),
    "squeezenet1_1": (vision(torchvision.models.squeezenet1_1), None),
    "efficientnet_b0": (vision(torchvision.models.efficientnet_b0), None),
    "transformer_encoder": (transformer_encoder, None),
    # Symbolic batch dim: the graph says [batch, 3, 224, 224]; the fixture runs it with batch 2.
    "resnet18_dynamic": (vision(torchvision.models.resnet18, batch=2), {"input": {0: "batch"}, "output": {0: "batch"}}),
}


def paths(out_dir, name):
    return {kind: os.path.join(out_dir, f"{name}.{kind}") for kind in ("onnx", "input.npy", "output.npy")}


def export(name, out_dir):
    factory, dynamic_axes = MODELS[name]
    # Seed per model so each fixture is reproducible on its own, whatever subset is exported.
    torch.manual_seed(0)
    model, example = factory()
    model.eval()
    with torch.no_grad():
        expected = model(example)
    files = paths(out_dir, name)
    # Write to temporary names first so an interrupted run never leaves a half-written fixture that looks cached.
    temporary = {kind: path + ".partial" for kind, path in files.items()}
    torch.onnx.export(
        model,
        example,
        temporary["onnx"],
        opset_version=OPSET,
        input_names=["input"],
        output_names=["output"],
        dynamic_axes=dynamic_axes,
        do_constant_folding=True,
    )
    for kind, array in (("input.npy", example), ("output.npy", expected)):
        with open(temporary[kind], "wb") as handle:
            np.save(handle, np.ascontiguousarray(array.numpy().astype(np.float32)))
    for kind in files:
        os.replace(temporary[kind], files[kind])
    return tuple(example.shape), tuple(expected.shape)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"models to export (default: all of {', '.join(MODELS)})")
    parser.add_argument("--force", action="store_true", help="re-export even when the files exist")
    parser.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: .cache/fixtures)")
    args = parser.parse_args()

    unknown = [name for name in args.names if name not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, opset {OPSET} → {os.path.relpath(args.out)}")

    for name in args.names or list(MODELS):
        files = paths(args.out, name)
        if not args.force and all(os.path.exists(path) for path in files.values()):
            print(f"  {name}: cached")
            continue
        start = time.time()
        input_shape, output_shape = export(name, args.out)
        size = os.path.getsize(files["onnx"]) / 1e6
        print(f"  {name}: exported input {list(input_shape)} → output {list(output_shape)}, "
              f"{size:.1f} MB, {time.time() - start:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
