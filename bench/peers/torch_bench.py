"""PyTorch side of `npm run bench`: runs ONE workload and prints its result as JSON.

Called by bench/run.ts as
    /usr/bin/python3 bench/peers/torch_bench.py '<ChildRequest as JSON>'
with OPENBLAS_NUM_THREADS set by the caller. Same nets, batch sizes, optimizer and timing protocol as
bench/gradwork.ts and bench/stats.ts (warm up, repeat steps to fill a run, one sample per run, stop at the
time budget).
"""
import json
import math
import re
import statistics
import sys
import time

from torch_models import conv_net, vgg_net

READY_MARK = "@@BENCH_READY@@"
RESULT_MARK = "@@BENCH_RESULT@@"
CONV = dict(n=64, c=32, c_out=32, h=32, w=32, k=3, pad=1)


def peak_rss_mb():
    try:
        with open("/proc/self/status") as f:
            m = re.search(r"VmHWM:\s+(\d+)\s+kB", f.read())
        return int(m.group(1)) * 1024 / 1e6 if m else None
    except OSError:
        return None


def measure(step, units_per_step, plan):
    """Mirror of measure() in bench/stats.ts."""
    now = time.perf_counter
    start = now()
    warm = []
    while not warm or now() - start < plan["warmupS"]:
        t0 = now()
        step()
        warm.append(now() - t0)
    warm_s = now() - start
    if warm_s >= plan["budgetS"]:
        return dict(samples=[units_per_step / warm[-1]], stepsPerRun=1, cold=len(warm) == 1)
    # typical step time: the median of the warm-up steps after the first (which pays for compilation)
    step_s = max(statistics.median(warm[1:] if len(warm) > 1 else warm), 1e-6)
    steps_per_run = max(1, round(plan["targetRunS"] / step_s))
    affordable = max(1, math.floor((plan["budgetS"] - warm_s) / (steps_per_run * step_s)))
    runs = max(1, min(plan["runs"], affordable))
    samples = []
    for _ in range(runs):
        t0 = now()
        for _ in range(steps_per_run):
            step()
        samples.append(units_per_step * steps_per_run / (now() - t0))
    return dict(samples=samples, stepsPerRun=steps_per_run, cold=False)


def measure_alternating(step, set_threads, threads, units_per_step, plan):
    """Mirror of measureAlternating() in bench/stats.ts."""
    now = time.perf_counter
    start = now()
    set_threads(threads[-1])
    warm = []
    while len(warm) < 2 or now() - start < plan["warmupS"]:
        t0 = now()
        step()
        warm.append(now() - t0)
    set_threads(threads[0])
    step()
    t0 = now()
    step()
    slow_s = max(now() - t0, 1e-6)
    steps_per_run = max(1, round(plan["targetRunS"] / slow_s))
    per_threads = [dict(threads=t, samples=[]) for t in threads]
    samples = []
    round_s = 0.0
    for r in range(plan["runs"]):
        if r > 0 and now() - start + round_s > plan["budgetS"]:
            break
        r0 = now()
        for row in per_threads:
            set_threads(row["threads"])
            step()  # after a switch
            s0 = now()
            for _ in range(steps_per_run):
                step()
            row["samples"].append(units_per_step * steps_per_run / (now() - s0))
        round_s = now() - r0
        samples.append(per_threads[-1]["samples"][r] / per_threads[0]["samples"][r])
    return dict(samples=samples, alternated=per_threads, stepsPerRun=steps_per_run, cold=False)


def make_step(torch, w):
    torch.manual_seed(0)
    group = w["group"]
    if group == "gemm":
        n = w["size"]
        a, b = torch.randn(n, n), torch.randn(n, n)

        def step():
            with torch.no_grad():
                a @ b
        return step, 2 * n ** 3 / 1e9
    if group == "conv":
        c = CONV
        x = torch.randn(c["n"], c["c"], c["h"], c["w"], requires_grad=True)
        wt = torch.randn(c["c_out"], c["c"], c["k"], c["k"], requires_grad=True)
        dy = torch.randn(c["n"], c["c_out"], c["h"], c["w"])

        def step():
            x.grad = None
            wt.grad = None
            torch.nn.functional.conv2d(x, wt, None, padding=c["pad"]).backward(dy)
        gflop = 3 * 2 * c["n"] * c["c_out"] * c["h"] * c["w"] * c["c"] * c["k"] ** 2 / 1e9
        return step, gflop
    net = conv_net(torch.nn) if group == "convnet" else vgg_net(torch.nn, batch_norm=group == "vggbn")
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    batch = w["batch"]
    x = torch.randn(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    return step, batch


def main():
    if len(sys.argv) < 2:
        sys.exit("torch_bench.py: missing the request (JSON) as first argument")
    req = json.loads(sys.argv[1])
    import torch
    torch.set_num_threads(req["threads"])
    step, units = make_step(torch, req["workload"])
    print("\n" + READY_MARK, flush=True)
    if req.get("alternate"):
        result = measure_alternating(step, torch.set_num_threads, req["alternate"], units, req["plan"])
    else:
        result = measure(step, units, req["plan"])
    result.update(
        peakMB=peak_rss_mb(),
        backend="pytorch-cpu",
        threads=torch.get_num_threads(),
        notes=["torch %s" % torch.__version__],
    )
    print("\n" + RESULT_MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
