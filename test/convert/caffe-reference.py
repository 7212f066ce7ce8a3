"""Runs a Caffe net in OpenCV's dnn module: the reference for test/convert/caffe-*.test.ts.

usage: caffe-reference.py <deploy.prototxt> <weights.caffemodel> <out-dir> <layer,layer,...> <input>=<file.npy> ...

Feeds each named input from its .npy file, runs forward for the listed layers (their first top) and writes
<out-dir>/<index>.npy per layer in that order. Prints the OpenCV version.
"""
import sys

import cv2
import numpy as np


def main() -> None:
    prototxt, weights, out_dir, layers = sys.argv[1:5]
    net = cv2.dnn.readNetFromCaffe(prototxt, weights)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    for feed in sys.argv[5:]:
        name, path = feed.split('=', 1)
        net.setInput(np.load(path).astype(np.float32), name)
    outputs = net.forward(layers.split(','))
    for index, output in enumerate(outputs):
        np.save(f'{out_dir}/{index}.npy', np.ascontiguousarray(output, dtype=np.float32))
    print(cv2.__version__)


if __name__ == '__main__':
    main()
