"""Exports missing torchvision fixtures on a machine whose python3 has torch and torchvision (bench/gpu.sh uses it
on the GPU machine when a fixture was not carried: resnet18's 47 MB do not fit the 64 MiB that travels).

Runs scripts/export-torchvision.py unchanged, except that torch >= 2.9 defaults torch.onnx.export to the dynamo
exporter; the fixtures here come from the TorchScript exporter (what torch 1.13 used), so `dynamo=False` is passed
wherever export accepts it. Weights are random (torch.manual_seed(0)) as in the local fixtures, but another torch
version may draw other numbers: such a fixture is the same architecture and graph, not the same bytes.

Usage: python3 bench/gpu/export-fixtures.py [--out DIR] name ...
"""
import inspect
import os
import runpy
import sys

import torch

_export = torch.onnx.export
if "dynamo" in inspect.signature(_export).parameters:
    def export(*args, **kwargs):
        kwargs.setdefault("dynamo", False)
        return _export(*args, **kwargs)

    torch.onnx.export = export

script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "export-torchvision.py")
sys.argv = [script] + sys.argv[1:]
runpy.run_path(script, run_name="__main__")
