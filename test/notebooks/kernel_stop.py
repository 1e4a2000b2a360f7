"""Stop (interrupt) scenarios against the gradwork kernel, through jupyter_client as the Notebook
does it: prints one JSON object with what each scenario observed; kernel.test.ts asserts on it.
Run with JUPYTER_PATH set to a folder holding this checkout's kernel spec, cwd = notebooks/.
"""
import json
import sys
import threading
import time

from jupyter_client.manager import start_new_kernel

results = {}
km, kc = start_new_kernel(kernel_name="gradwork", startup_timeout=120)


def run(code, stop_after=None, timeout=120):
    """Executes code (interrupting after stop_after s); returns reply status, error and value, and timing."""
    outputs = []
    timer = None
    t0 = time.time()
    stopped_at = []
    if stop_after is not None:
        def stop():
            stopped_at.append(time.time() - t0)
            km.interrupt_kernel()
        timer = threading.Timer(stop_after, stop)
        timer.start()
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=outputs.append)
    elapsed = time.time() - t0
    content = reply["content"]
    value = None
    for m in outputs:
        if m["msg_type"] == "execute_result":
            value = m["content"]["data"].get("text/plain")
    time.sleep(0.4)  # tslab aborts requests that arrive within 200 ms of an error
    return {
        "status": content["status"],
        "ename": content.get("ename"),
        "evalue": content.get("evalue"),
        "value": value,
        "seconds": elapsed,
        "stop_to_end": (elapsed - stopped_at[0]) if stopped_at else None,
        "errors": [m["content"].get("ename") for m in outputs if m["msg_type"] == "error"],
    }


try:
    results["kernel_info"] = kc.kernel_info(reply=True)["content"].get("status")
    run('import * as gw from "gradwork"; let steps = 0;')
    # 1. a synchronous loop of ops after an await
    results["loop_after_await"] = run(
        "await new Promise((r) => setTimeout(r, 50)); for (;;) { gw.randn([32, 32]).matmul(gw.randn([32, 32])); steps++; }",
        stop_after=3,
    )
    results["after_loop"] = run("JSON.stringify([steps > 0, gw.isGradEnabled()])")
    # 2. the same inside noGrad: autograd must be back on afterwards
    results["loop_in_nograd"] = run(
        "await new Promise((r) => setTimeout(r, 50)); gw.noGrad(() => { for (;;) gw.randn([8]).add(1); });", stop_after=2
    )
    results["grad_after_nograd"] = run("gw.isGradEnabled()")
    # 3. fit stopped: the cell ends normally, its values stay defined, the weights are the last finished step's
    results["fit"] = run(
        """
gw.manualSeed(0);
const X = gw.randn([4096, 16]);
const Y = gw.tensor(Array.from({ length: 4096 }, (_, i) => i % 4));
const net = new gw.nn.Sequential(new gw.nn.Linear(16, 256), new gw.nn.ReLU(), new gw.nn.Linear(256, 4));
const opt = new gw.optim.SGD(net.parameters(), { lr: 0.05 });
let lastWeights: number[] = [];
const hist = await gw.train.fit(net, {
  train: new gw.data.DataLoader(new gw.data.TensorDataset(X, Y), { batchSize: 16 }),
  epochs: 1000, optimizer: opt, progress: true,
  onStep: () => { lastWeights = Array.from(net.parameters()[0].toFloat32Array().slice(0, 64)); },
});
const fitSteps = hist.stepLosses.length;
JSON.stringify({ interrupted: hist.interrupted, steps: fitSteps })
""",
        stop_after=4,
    )
    results["after_fit"] = run(
        "JSON.stringify({ same: Array.from(net.parameters()[0].toFloat32Array().slice(0, 64)).every((v, i) => v === lastWeights[i]), steps: fitSteps, grad: gw.isGradEnabled(), training: net.training })"
    )
    # 4. the kernel still trains after all that
    results["train_again"] = run(
        "opt.zeroGrad(); gw.F.crossEntropy(net.forward(X.slice(0, 0, 8)), Y.slice(0, 0, 8)).backward(); opt.step(); 'ok'"
    )
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)

print(json.dumps(results))
