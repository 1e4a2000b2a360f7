"""Shutting the gradwork kernel down (and restarting it) as the Notebook does: a shutdown_request on
the control channel, then up to jupyter_client's wait time for the process to end by itself.
Prints one JSON object (exit codes, seconds); the kernel's own stderr passes through to this
script's stderr, where kernel.test.ts looks for native errors ("terminate called ... Napi::Error").
Run with JUPYTER_PATH set to a folder holding this checkout's kernel spec, cwd = notebooks/.
"""
import json
import time

from jupyter_client.manager import start_new_kernel

CELL = 'import * as gw from "gradwork"; gw.randn([64, 64]).matmul(gw.randn([64, 64])).sum().item() > -1e9'
results = {}


def run(kc):
    reply = kc.execute_interactive(CELL, timeout=120, output_hook=lambda msg: None)
    return reply["content"]["status"]


km, kc = start_new_kernel(kernel_name="gradwork", startup_timeout=120)
try:
    results["cell"] = run(kc)
    # restart: the old process gets shutdown_request(restart=True) and must end by itself
    first = km.provisioner.process
    t0 = time.time()
    km.restart_kernel(now=False)
    results["restart_seconds"] = time.time() - t0
    results["restart_exit"] = first.wait(timeout=30)
    kc.stop_channels()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    results["cell_after_restart"] = run(kc)
    second = km.provisioner.process
    kc.stop_channels()
    t0 = time.time()
    km.shutdown_kernel(now=False)
    results["shutdown_seconds"] = time.time() - t0
    results["shutdown_exit"] = second.wait(timeout=30)
    results["wait_limit"] = km.shutdown_wait_time
finally:
    if km.has_kernel:
        km.shutdown_kernel(now=True)

print(json.dumps(results))
