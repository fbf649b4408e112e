#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""PyTorch eager (CPU, float64) peer for typegrad's ADBenchmark functions
(benchmarks/adbench/): the same functions at the same sizes, with data drawn as the
suite draws them (uniform in [-1, 1]; product's in [0, 2)).

For each function it times the gradient (forward, then torch.autograd.grad w.r.t.
the inputs typegrad differentiates by) and the forward pass alone under
torch.no_grad, one thread, this thread's CPU time; median of --repeats.
Written as a PyTorch user would: torch.prod, torch.logsumexp (the stable one),
A @ B, and for stochastic volatility the AR(1) recursion as a Python loop (torch
has no linear-recurrence op).

Run with Debian's interpreter (/usr/bin/python3).
"""
import argparse
import csv
import math
import sys
import time

import torch

import pytorch_mlp  # its timing loop; the report runs both peers from this folder

F64 = torch.float64


def uniform(gen, *shape):
    return torch.rand(*shape, generator=gen, dtype=F64) * 2 - 1


def sum_fn(gen):
    x = uniform(gen, 16384).requires_grad_()
    return [x], lambda: x.sum()


def product_fn(gen):
    x = (uniform(gen, 16384) + 1).requires_grad_()
    return [x], lambda: x.prod()


def log_sum_exp_fn(gen):
    x = uniform(gen, 16384).requires_grad_()
    return [x], lambda: torch.logsumexp(x, 0)


def matrix_product_fn(gen):
    a = uniform(gen, 181, 181).requires_grad_()
    b = uniform(gen, 181, 181).requires_grad_()
    return [a, b], lambda: (a @ b).sum()


def normal_log_pdf_fn(gen):
    x = uniform(gen, 16384).requires_grad_()
    mu, sigma = -0.56, 1.37
    return [x], lambda: -0.5 * (((x - mu) / sigma) ** 2).sum() - x.numel() * math.log(sigma)


def regression_fn(gen):
    m, k = 1000, 150
    w = uniform(gen, k).requires_grad_()
    b = uniform(gen, 1)[0].clone().requires_grad_()
    sigma = (uniform(gen, 1)[0].abs() + 0.1).requires_grad_()
    X = uniform(gen, m, k)
    y = uniform(gen, m)

    def f():
        r = y - (X @ w + b)
        return (-0.5 * (r * r).sum() / (sigma * sigma) - m * torch.log(sigma) - 0.5 * (w * w).sum()
                - 0.5 * b * b - math.log(9.9))
    return [w, b, sigma], f


def stochastic_volatility_fn(gen):
    n = 8192
    x = uniform(gen, 2 * n + 3)
    x[2 * n + 1] = x[2 * n + 1].abs() + 0.1  # sigma > 0
    h_std = x[:n].clone().requires_grad_()
    phi = x[2 * n].clone().requires_grad_()
    sigma = x[2 * n + 1].clone().requires_grad_()
    mu = x[2 * n + 2].clone().requires_grad_()
    y = uniform(gen, n)

    def f():
        s = h_std * sigma
        g = [s[0] / torch.sqrt(1 - phi * phi)]
        for i in range(1, n):
            g.append(s[i] + phi * g[i - 1])
        h = torch.stack(g) + mu
        sd = torch.exp(h / 2)
        lp = -0.5 * ((y / sd) ** 2).sum() - torch.log(sd).sum()
        lp = lp - 0.5 * (h_std * h_std).sum()
        lp = lp - torch.log(5 * (1 + (sigma / 5) ** 2)) - torch.log(10 * (1 + (mu / 10) ** 2)) - math.log(2)
        return lp
    return [h_std, phi, sigma, mu], f


FUNCTIONS = {
    "sum": (sum_fn, 16384),
    "product": (product_fn, 16384),
    "log_sum_exp": (log_sum_exp_fn, 16384),
    "matrix_product": (matrix_product_fn, 2 * 181 * 181),
    "normal_log_pdf": (normal_log_pdf_fn, 16384),
    "regression": (regression_fn, 152),
    "stochastic_volatility": (stochastic_volatility_fn, 2 * 8192 + 3),
}


def time_us(fn, repeats, min_repeat_s):
    """Median CPU µs per call, with the step peer's timing loop (pytorch_mlp.time_us)."""
    return pytorch_mlp.time_us(fn, repeats, time.thread_time_ns, min_repeat_s, warmup_s=0.0)[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--functions", default=",".join(FUNCTIONS), help="comma-separated: " + ",".join(FUNCTIONS))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--min-repeat-s", type=float, default=0.2)
    ap.add_argument("--csv", help="write function,n,gradient_us,forward_us here")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    print(f"torch {torch.__version__}, 1 thread, CPU time of this thread, median of {args.repeats}", flush=True)
    rows = []
    for name in args.functions.split(","):
        make, n = FUNCTIONS[name]
        gen = torch.Generator().manual_seed(1)
        inputs, f = make(gen)

        def gradient():
            return torch.autograd.grad(f(), inputs)

        def forward():
            with torch.no_grad():
                return f()

        g = gradient()
        assert all(gi.shape == p.shape for gi, p in zip(g, inputs))
        grad_us = time_us(gradient, args.repeats, args.min_repeat_s)
        fwd_us = time_us(forward, args.repeats, args.min_repeat_s)
        rows.append((name, n, grad_us, fwd_us))
        print(f"{name:22} n={n:6d} gradient {grad_us:10.1f} µs  forward {fwd_us:10.1f} µs  "
              f"ratio {grad_us / fwd_us:6.2f}", flush=True)
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["function", "n", "gradient_us", "forward_us"])
            for name, n, gu, fu in rows:
                w.writerow([name, n, f"{gu:.3f}", f"{fu:.3f}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
