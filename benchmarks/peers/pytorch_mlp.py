#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""PyTorch eager (CPU) peer for typegrad's step benchmarks (benchmarks/steps).

Times, per case and dtype, one training step -- forward, loss, and
torch.autograd.grad of the loss w.r.t. every parameter -- and the forward pass
alone (under torch.no_grad), on sigmoid MLPs with binary cross-entropy:

    J = -(1/m) sum_{k,i} [y log a + (1-y) log(1-a)]
      = binary_cross_entropy_with_logits(z, y, reduction='sum') / m

and, case "lenet", on LeNet-5 with softmax cross-entropy (nn::lenet5: conv 6@5x5 pad 2,
relu, max-pool 2, conv 16@5x5, relu, max-pool 2, dense 120, 84, 10; J = the mean of
cross_entropy over the batch), batch 128.

Data is laid out as PyTorch users do: batch x features (images batch x 1 x 28 x 28),
z = x @ W.T + b.

Run with Debian's interpreter (/usr/bin/python3; Debian's python3-torch is not
visible to other Pythons). Debian's torch calls BLAS through libblas.so.3, which
the alternatives system points at OpenBLAS; OpenBLAS picks its kernel when it is
loaded, so OPENBLAS_CORETYPE must be set in the environment before starting.
OpenBLAS runs its own thread pool, which torch.set_num_threads does not control;
this script sets it to --threads too (through ctypes) so "1 thread" means one.
With one thread, times are this thread's CPU time by default (--clock), so other
processes on a shared machine inflate them less; all work runs on the calling
thread then (OpenBLAS and OpenMP with one thread do not hand work off).
"""
import argparse
import csv
import ctypes
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

CASES = {
    "seed": ([2, 2, 2], 4),
    "ex4": ([400, 25, 10], 5000),
    "fashion": ([784, 256, 10], 128),
    "deep": ([784, 1024, 1024, 1024, 10], 256),
    "lenet": (None, 128),  # make_lenet_case
}
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def loaded_libraries(fragment):
    """Shared objects mapped into this process whose path contains `fragment`."""
    paths = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            parts = line.split()
            if len(parts) >= 6 and fragment in parts[5]:
                paths.add(parts[5])
    return sorted(paths)


def openblas_handle():
    """ctypes handle on the OpenBLAS torch has loaded, or None."""
    for path in loaded_libraries("libopenblas"):
        try:
            return ctypes.CDLL(path)
        except OSError:
            pass
    return None


def backend_report(threads):
    lines = [f"torch {torch.__version__} ({torch.__file__})", torch.__config__.show().rstrip()]
    lines.append(torch.__config__.parallel_info().rstrip())
    lines.append(
        "torch.backends: mkl={} mkldnn={} openmp={}".format(
            torch.backends.mkl.is_available(), torch.backends.mkldnn.is_available(),
            torch.backends.openmp.is_available()))
    cpu = getattr(torch.backends, "cpu", None)
    if cpu is not None and hasattr(cpu, "get_cpu_capability"):
        lines.append(f"torch.backends.cpu.get_cpu_capability() = {cpu.get_cpu_capability()}")
    lines.append("BLAS libraries mapped: " + ", ".join(loaded_libraries("blas")))
    lines.append("OPENBLAS_CORETYPE = " + os.environ.get("OPENBLAS_CORETYPE", "(unset)"))
    ob = openblas_handle()
    if ob is not None:
        ob.openblas_get_corename.restype = ctypes.c_char_p
        ob.openblas_get_config.restype = ctypes.c_char_p
        before = ob.openblas_get_num_threads()
        ob.openblas_set_num_threads(threads)
        lines.append("OpenBLAS: {} | kernel {} | threads {} -> {}".format(
            ob.openblas_get_config().decode(), ob.openblas_get_corename().decode(), before,
            ob.openblas_get_num_threads()))
    return "\n".join(lines)


def make_case(widths, batch, dtype, seed=0):
    gen = torch.Generator().manual_seed(seed)
    params = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        bound = (6.0 / (fan_in + fan_out)) ** 0.5
        w = (torch.rand(fan_out, fan_in, generator=gen, dtype=dtype) * 2 - 1) * bound
        b = torch.zeros(fan_out, dtype=dtype)
        params += [w.requires_grad_(), b.requires_grad_()]
    x = torch.rand(batch, widths[0], generator=gen, dtype=dtype)
    y = (torch.rand(batch, widths[-1], generator=gen, dtype=dtype) > 0.5).to(dtype)
    return params, x, y


def make_lenet_case(batch, dtype, seed=0):
    """LeNet-5's parameters, He-uniform over each fan-in (as nn::lenet5 starts), zero
    biases; pixels U(0, 1) and class labels."""
    gen = torch.Generator().manual_seed(seed)
    shapes = [(6, 1, 5, 5), (16, 6, 5, 5), (120, 400), (84, 120), (10, 84)]
    params = []
    for shape in shapes:
        fan_in = 1
        for d in shape[1:]:
            fan_in *= d
        bound = (6.0 / fan_in) ** 0.5
        w = (torch.rand(*shape, generator=gen, dtype=dtype) * 2 - 1) * bound
        params += [w.requires_grad_(), torch.zeros(shape[0], dtype=dtype).requires_grad_()]
    x = torch.rand(batch, 1, 28, 28, generator=gen, dtype=dtype)
    y = torch.randint(0, 10, (batch,), generator=gen)
    return params, x, y


def lenet_loss(params, x, y):
    k1, b1, k2, b2, w3, b3, w4, b4, w5, b5 = params
    a = F.max_pool2d(F.relu(F.conv2d(x, k1, b1, padding=2)), 2)
    a = F.max_pool2d(F.relu(F.conv2d(a, k2, b2)), 2)
    a = F.relu(F.linear(a.flatten(1), w3, b3))
    a = F.relu(F.linear(a, w4, b4))
    return F.cross_entropy(F.linear(a, w5, b5), y)


def loss_fn(params, x, y):
    a = x
    n_layers = len(params) // 2
    for l in range(n_layers):
        z = a @ params[2 * l].T + params[2 * l + 1]
        a = torch.sigmoid(z) if l + 1 < n_layers else z
    return F.binary_cross_entropy_with_logits(a, y, reduction="sum") / x.shape[0]


def time_us(fn, repeats, clock_ns, min_repeat_s=0.2, warmup_s=0.3):
    """Median over `repeats` of the mean µs per call, each repeat at least min_repeat_s."""
    t_end = time.perf_counter() + warmup_s
    calls = 0
    while time.perf_counter() < t_end or calls < 3:
        fn()
        calls += 1
    # calibrate the inner count so one repeat lasts about min_repeat_s
    n = 1
    while True:
        t0 = clock_ns()
        for _ in range(n):
            fn()
        dt = (clock_ns() - t0) * 1e-9
        if dt >= min_repeat_s / 4 or n >= 1 << 20:
            break
        n *= 2
    n = max(1, int(n * min_repeat_s / max(dt, 1e-9)))
    samples = []
    for _ in range(repeats):
        t0 = clock_ns()
        for _ in range(n):
            fn()
        samples.append((clock_ns() - t0) / 1e3 / n)
    return statistics.median(samples), samples


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ",".join(CASES))
    ap.add_argument("--dtypes", default="float32,float64", help="comma-separated: float32,float64")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--min-repeat-s", type=float, default=0.2, help="minimum seconds per repeat")
    ap.add_argument("--csv", help="write case,dtype,threads,step_us,forward_us here")
    ap.add_argument("--clock", choices=["auto", "cpu", "wall"], default="auto",
                    help="cpu: this thread's CPU time (robust on a shared machine, like Google "
                         "Benchmark's default); wall: elapsed time; auto: cpu for 1 thread, else wall")
    args = ap.parse_args()
    clock = args.clock if args.clock != "auto" else ("cpu" if args.threads == 1 else "wall")
    clock_ns = time.thread_time_ns if clock == "cpu" else time.perf_counter_ns

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    print(backend_report(args.threads), flush=True)

    rows = []
    print(f"\n{'case':8} {'dtype':8} {'threads':>7} {'step_us':>12} {'forward_us':>12}   (median of {args.repeats}, {clock} clock)")
    for case in args.cases.split(","):
        widths, batch = CASES[case]
        for dname in args.dtypes.split(","):
            if case == "lenet":
                params, x, y = make_lenet_case(batch, DTYPES[dname])
                loss = lenet_loss
            else:
                params, x, y = make_case(widths, batch, DTYPES[dname])
                loss = loss_fn

            def step():
                return torch.autograd.grad(loss(params, x, y), params)

            def forward():
                with torch.no_grad():
                    return loss(params, x, y)

            g = step()
            assert all(gi.shape == p.shape for gi, p in zip(g, params))
            step_us, _ = time_us(step, args.repeats, clock_ns, args.min_repeat_s)
            fwd_us, _ = time_us(forward, args.repeats, clock_ns, args.min_repeat_s)
            rows.append((case, dname, args.threads, step_us, fwd_us))
            print(f"{case:8} {dname:8} {args.threads:7d} {step_us:12.1f} {fwd_us:12.1f}", flush=True)

    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["case", "dtype", "threads", "step_us", "forward_us"])
            for case, dname, threads, s, fw in rows:
                w.writerow([case, dname, threads, f"{s:.2f}", f"{fw:.2f}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
