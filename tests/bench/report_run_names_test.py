#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""benchmarks/report reads every run name Google Benchmark writes for the step suite:
with --threads above 1 each benchmark runs UseRealTime() and its name gains
"/real_time" (the crash of issue 13: "too many values to unpack"); "/threads:N",
arguments and the other suffixes must parse too, and a name that is not
<case>/<dtype>/<variant> is an error naming it, not a wrong row. And --filter picks the
cases the PyTorch peer times. The thread table gives each count's typegrad/gemm-only and
libtorch/typegrad from that count's own run. The epoch table gives each part's share and
says whether the epoch target is met, and whether it lies below the products' floor."""
import importlib.machinery
import importlib.util
import os
import sys
import unittest

REPORT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "benchmarks", "report")
if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):  # ctest passes the path
    REPORT = sys.argv.pop(1)
loader = importlib.machinery.SourceFileLoader("typegrad_report", REPORT)
spec = importlib.util.spec_from_loader("typegrad_report", loader)
report = importlib.util.module_from_spec(spec)
loader.exec_module(report)


class RunNames(unittest.TestCase):
    def test_one_thread_name_is_case_dtype_variant(self):
        self.assertEqual(report.parse_run_name("fashion/float32/typegrad_step"),
                         ("fashion", "float32", "typegrad_step"))

    def test_real_time_suffix_of_multithreaded_runs_is_dropped(self):
        self.assertEqual(report.parse_run_name("deep/float64/gemm_step/real_time"),
                         ("deep", "float64", "gemm_step"))

    def test_threads_and_time_suffixes_are_dropped(self):
        for name in ["ex4/float32/manual_step/real_time/threads:2",
                     "ex4/float32/manual_step/threads:2",
                     "ex4/float32/manual_step/min_time:0.500/repeats:5/process_time/real_time",
                     "ex4/float32/manual_step/iterations:100/manual_time"]:
            self.assertEqual(report.parse_run_name(name), ("ex4", "float32", "manual_step"), name)

    def test_arguments_are_dropped(self):
        self.assertEqual(report.parse_run_name("sum/float64/gradient/1024/real_time"),
                         ("sum", "float64", "gradient"))
        self.assertEqual(report.parse_run_name("sum/float64/gradient/n:1024/threads:2"),
                         ("sum", "float64", "gradient"))

    def test_malformed_names_are_errors_that_name_the_run(self):
        for name in ["fashion/float32", "fashion//typegrad_step", "a/b/c/not a suffix"]:
            with self.assertRaisesRegex(ValueError, "typegrad: benchmark run name"):
                report.parse_run_name(name)


class PeerCases(unittest.TestCase):
    """The PyTorch peer times the cases --filter lets the step suite run, LeNet-5 included."""

    def test_no_filter_is_every_case(self):
        self.assertEqual(report.peer_cases(None), ["seed", "ex4", "fashion", "deep", "lenet"])

    def test_filter_selects_by_case_or_by_any_part_of_the_name(self):
        self.assertEqual(report.peer_cases("lenet"), ["lenet"])
        self.assertEqual(report.peer_cases("fashion|deep"), ["fashion", "deep"])
        self.assertEqual(report.peer_cases("float64/typegrad"), report.CASES)
        self.assertEqual(report.peer_cases("no such case"), [])


class ThreadTable(unittest.TestCase):
    @staticmethod
    def run_of(us):  # {variant: wall µs} for fashion/float32
        return {("fashion", "float32", v): {"wall_us": t, "us": t} for v, t in us.items()}

    def test_ratios_at_two_threads_come_from_the_two_thread_run(self):
        one = self.run_of({"typegrad_step": 1000.0, "gemm_step": 900.0, "libtorch_step": 1200.0})
        two = self.run_of({"typegrad_step": 600.0, "gemm_step": 500.0, "libtorch_step": 900.0})
        md = report.thread_table(one, {2: two}, 1)
        head = next(line for line in md if line.startswith("| case"))
        row = next(line for line in md if line.startswith("| fashion | float32"))
        cells = dict(zip([c.strip() for c in head.strip("|").split("|")], [c.strip() for c in row.strip("|").split("|")]))
        self.assertEqual(cells["typegrad 2/1"], "0.60")
        self.assertEqual(cells["typegrad/gemm-only (2)"], "1.20")
        self.assertEqual(cells["libtorch/typegrad (2)"], "1.50")


class BatchMajorTable(unittest.TestCase):
    def test_ratios_against_the_batch_major_step(self):
        row = {"case": "deep", "dtype": "float64", "typegrad_step": 110.0, "libtorch_step": 105.0,
               "pytorch_installed": 99.0}
        results = {("deep", "float64", "typegrad_step_batch_major"): {"us": 100.0}}
        md = report.batch_major_table([row], results)
        line = next(l for l in md if l.startswith("| deep | float64"))
        self.assertEqual([c.strip() for c in line.strip("|").split("|")][-3:], ["0.91", "1.05", "0.99"])

    def test_no_table_without_the_variant(self):
        self.assertEqual(report.batch_major_table([{"case": "fashion", "dtype": "float32"}], {}), [])


class EpochTable(unittest.TestCase):
    ONE = {"train": 0.80, "batching": 0.04, "step": 0.70, "optimiser": 0.06, "products": 0.68}

    def test_shares_and_a_target_below_the_floor(self):
        md = report.epoch_table({1: self.ONE, 2: {"train": 0.48}})
        row = next(line for line in md if line.startswith("| optimiser"))
        self.assertEqual([c.strip() for c in row.strip("|").split("|")][1:], ["0.060", "–", "8%"])
        text = "\n".join(md)
        self.assertIn("the epoch is 0.800 s against the target 0.65 s (missed)", text)
        self.assertIn("1.18× its floor, and the target is below that floor", text)
        self.assertIn("At 2 threads the epoch takes 0.60× the wall time of 1", text)

    def test_a_met_target_says_so_and_blames_no_floor(self):
        fast = dict(self.ONE, train=0.60, products=0.55)
        text = "\n".join(report.epoch_table({1: fast}))
        self.assertIn("(met)", text)
        self.assertNotIn("below the floor", text)


if __name__ == "__main__":
    unittest.main()
