#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""PyTorch eager (CPU) peer: seconds per epoch of Fashion-MNIST training.

784-256-128-10 ReLU MLP, softmax cross-entropy (F.cross_entropy), Adam lr 1e-3,
batch 128 (the last, partial batch included), 60000 training examples shuffled
each epoch. With --model lenet, the trainer's LeNet-5 (conv 6@5x5 pad 2, relu,
max-pool 2, conv 16@5x5, relu, max-pool 2, dense 120, 84, 10), batch 64 unless
--batch, as `train_fashion_mnist --model lenet`. With --model convnet, the trainer's
convnet (conv 32@3x3 pad 1, relu, max-pool 2, conv 64@3x3 pad 1, relu, max-pool 2,
dropout 0.25, dense 128, relu, dropout 0.5, dense 10), batch 64 unless --batch, as
`train_fashion_mnist --model convnet`. Reads the real IDX files from
/usr/share/datasets/fashion-mnist when present (and then reports test accuracy), otherwise uses random data.

Run with /usr/bin/python3 (Debian's python3-torch). As in pytorch_mlp.py, the
OpenBLAS thread pool is set to --threads as well, since torch does not do it.
"""
import argparse
import ctypes
import gzip
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(dtype):
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    if all(os.path.exists(os.path.join(DATA, n)) for n in names):
        xtr, ytr, xte, yte = (read_idx(os.path.join(DATA, n)) for n in names)
        to_x = lambda a: torch.from_numpy(a.reshape(len(a), -1).astype(np.float32) / 255.0).to(dtype)
        to_y = lambda a: torch.from_numpy(a.astype(np.int64))
        return to_x(xtr), to_y(ytr), to_x(xte), to_y(yte), True
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(60000, 784, generator=gen, dtype=dtype)
    y = torch.randint(0, 10, (60000,), generator=gen)
    return x, y, None, None, False


def openblas_threads(threads):
    with open("/proc/self/maps") as maps:
        paths = sorted({l.split()[5] for l in maps if len(l.split()) >= 6 and "libopenblas" in l.split()[5]})
    for path in paths:
        ob = ctypes.CDLL(path)
        ob.openblas_set_num_threads(threads)
        ob.openblas_get_corename.restype = ctypes.c_char_p
        return f"OpenBLAS kernel {ob.openblas_get_corename().decode()}, threads {ob.openblas_get_num_threads()}"
    return "OpenBLAS not loaded"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--model", choices=["mlp", "lenet", "convnet"], default="mlp")
    ap.add_argument("--batch", type=int, default=None, help="128 for mlp, 64 for lenet and convnet")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    if args.batch is None:
        args.batch = 128 if args.model == "mlp" else 64
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)
    dtype = getattr(torch, args.dtype)
    xtr, ytr, xte, yte, real = load(dtype)
    print(f"torch {torch.__version__}, {openblas_threads(args.threads)}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"data: {'Fashion-MNIST' if real else 'random'} {tuple(xtr.shape)}, {args.dtype}, "
          f"model {args.model}, batch {args.batch}", flush=True)

    if args.model == "lenet":
        nn = torch.nn
        model = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, 10)).to(dtype)
    elif args.model == "convnet":
        nn = torch.nn
        model = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Dropout(0.25), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
            nn.Dropout(0.5), nn.Linear(128, 10)).to(dtype)
    else:
        model = torch.nn.Sequential(
            torch.nn.Linear(784, 256), torch.nn.ReLU(),
            torch.nn.Linear(256, 128), torch.nn.ReLU(),
            torch.nn.Linear(128, 10)).to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    n = xtr.shape[0]
    for epoch in range(args.epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        model.train()  # dropout on
        perm = torch.randperm(n)
        total = 0.0
        for i in range(0, n, args.batch):
            idx = perm[i:i + args.batch]
            xb, yb = xtr[idx], ytr[idx]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        line = f"epoch {epoch + 1}: {secs:.3f} s/epoch wall, {cpu:.3f} s CPU, train loss {total / n:.4f}"
        if real:
            model.eval()  # dropout off, as the trainer's all-ones masks
            with torch.no_grad():
                acc = (model(xte).argmax(1) == yte).double().mean().item()
            line += f", test accuracy {acc:.4f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
