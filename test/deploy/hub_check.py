#!/usr/bin/python3
"""End-to-end check of deploy/jupyterhub_config.py (run as root on a machine with Debian's jupyterhub).

Creates three local users, installs the gradwork kernelspec and the shared CIFAR-10 copy into a
temporary folder, starts JupyterHub on 127.0.0.1 (random ports, DummyAuthenticator, an admin API
token), starts every user's server through the hub's REST API, runs every code cell of notebook 01
in each user's gradwork kernel (Jupyter's kernel websocket, through the hub's proxy), then in the
same kernels checks the per-user limits (`gw.cpuBackendInfo()`: threads and heap sized by the
user's cgroup), that a user cannot read a classmate's notebooks, and that the shared data is
readable but not writable. Prints one JSON report line and exits 0 only when every check passed.
Removes the users, the cgroups and the temporary folder afterwards.

Usage: python3 test/deploy/hub_check.py [--cpus 1] [--mem-mb 1024] [--keep]
"""
import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NOTEBOOK = "01-chain-rule.ipynb"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base, token, method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("Authorization", f"token {token}")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read().decode()
        return json.loads(text) if text else None


async def run_cells(url, ws_url, token, user, cells):
    """Execute `cells` in order in a new gradwork kernel session for NOTEBOOK; returns [(status, text)]."""
    body = {"path": NOTEBOOK, "type": "notebook", "name": NOTEBOOK, "kernel": {"name": "gradwork"}}
    session = await asyncio.to_thread(api, url, token, "POST", f"/user/{user}/api/sessions", body)
    kid = session["kernel"]["id"]
    req = HTTPRequest(f"{ws_url}/user/{user}/api/kernels/{kid}/channels?token={token}", connect_timeout=180, request_timeout=180)
    ws = await websocket_connect(req, max_message_size=64 * 2**20)
    sid = uuid.uuid4().hex
    results = []
    try:
        for code in cells:
            mid = uuid.uuid4().hex
            await ws.write_message(json.dumps({
                "header": {"msg_id": mid, "username": user, "session": sid, "msg_type": "execute_request", "version": "5.3"},
                "parent_header": {}, "metadata": {}, "channel": "shell",
                "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
            }))
            text, status, idle = [], None, False
            deadline = time.time() + 300
            while status is None or not idle:
                msg = await asyncio.wait_for(ws.read_message(), timeout=max(1, deadline - time.time()))
                if msg is None:
                    raise RuntimeError(f"{user}: kernel websocket closed")
                m = json.loads(msg)
                if m.get("parent_header", {}).get("msg_id") != mid:
                    continue
                t, c = m["header"]["msg_type"], m["content"]
                if t == "stream":
                    text.append(c["text"])
                elif t == "error":
                    text.append(f"{c['ename']}: {c['evalue']}")
                elif t == "execute_reply":
                    status = c["status"]
                elif t == "status" and c["execution_state"] == "idle":
                    idle = True
            results.append((status, "".join(text)))
            if status != "ok":
                break
    finally:
        ws.close()
        await asyncio.to_thread(api, url, token, "DELETE", f"/user/{user}/api/sessions/{session['id']}")
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cpus", type=float, default=1)
    ap.add_argument("--mem-mb", type=int, default=1024)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (for debugging)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("hub_check.py: run as root (it creates users and cgroups)")
    tag = f"gw{os.getpid() % 100000}"
    users = [f"{tag}{n}" for n in ("alice", "bob", "carol")]
    tmp = tempfile.mkdtemp(prefix="gradwork-hub-")
    os.chmod(tmp, 0o755)
    report = {"users": users, "checks": {}, "errors": []}
    hub = None
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    admin = secrets.token_hex(16)
    try:
        for u in users:
            subprocess.run(["useradd", "-m", "-d", f"/home/{u}", "-s", "/bin/sh", u], check=True)
        mirror = os.path.join(REPO, "..", "shared", "cifar10", "cifar-10-binary.tar.gz")
        env = dict(os.environ, GRADWORK_HOME=REPO, GRADWORK_DATA=f"{tmp}/data", KERNELS=f"{tmp}/jupyter/kernels", NODE=shutil.which("node"),
                   CIFAR10_ARCHIVE=mirror if os.path.exists(mirror) else "none")
        subprocess.run(["sh", os.path.join(REPO, "deploy", "install.sh")], env=env, check=True)
        if not os.path.exists(mirror):
            os.makedirs(f"{tmp}/data/cifar10")
        hub_env = dict(env, GRADWORK_HUB_CPUS=str(args.cpus), GRADWORK_HUB_MEM_MB=str(args.mem_mb), GRADWORK_HUB_URL=url,
                       GRADWORK_HUB_STATE=f"{tmp}/state", GRADWORK_HUB_USERS=",".join(users), GRADWORK_HUB_TEST="1",
                       GRADWORK_HUB_API_TOKEN=admin, JUPYTER_PATH=f"{tmp}/jupyter",
                       GRADWORK_HUB_INTERNAL_PORT=str(free_port()), GRADWORK_HUB_PROXY_API_PORT=str(free_port()))
        log = open(f"{tmp}/hub.log", "w")
        hub = subprocess.Popen(["jupyterhub", "-f", os.path.join(REPO, "deploy", "jupyterhub_config.py")], cwd=tmp, env=hub_env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(120):
            try:
                api(url, admin, "GET", "/hub/api/")
                break
            except Exception:
                if hub.poll() is not None:
                    raise RuntimeError("jupyterhub exited: " + open(f"{tmp}/hub.log").read()[-3000:])
                time.sleep(1)
        # (the allowed users are in the hub's database already)
        tokens = {}
        for u in users:
            api(url, admin, "POST", f"/hub/api/users/{u}/server")
            tokens[u] = api(url, admin, "POST", f"/hub/api/users/{u}/tokens", {"note": "hub_check"})["token"]
        for u in users:
            for _ in range(180):
                s = api(url, admin, "GET", f"/hub/api/users/{u}")
                if s.get("servers", {}).get("", {}).get("ready"):
                    break
                time.sleep(1)
            else:
                raise RuntimeError(f"the server of {u} did not start: " + open(f"{tmp}/hub.log").read()[-3000:])

        with open(os.path.join(REPO, "notebooks", NOTEBOOK)) as f:
            nb_cells = ["".join(c["source"]) for c in json.load(f)["cells"] if c["cell_type"] == "code"]

        def probe(u):
            other = users[(users.index(u) + 1) % len(users)]
            return [
                'import * as gw from "gradwork";\nconsole.log("INFO " + JSON.stringify(gw.cpuBackendInfo()));',
                'import * as fs from "fs";\n'
                f'const tryRead = (p: string) => {{ try {{ fs.readFileSync(p); return "read"; }} catch (e) {{ return (e as any).code; }} }};\n'
                f'const tryWrite = (p: string) => {{ try {{ fs.writeFileSync(p, "x"); return "written"; }} catch (e) {{ return (e as any).code; }} }};\n'
                f'console.log("OTHER " + tryRead("/home/{other}/gradwork/notebooks/{NOTEBOOK}"));\n'
                f'console.log("OWN " + tryRead("/home/{u}/gradwork/notebooks/{NOTEBOOK}"));\n'
                f'console.log("DATAWRITE " + tryWrite("/home/{u}/gradwork/data/cifar10/x"));\n'
                f'console.log("DATA " + fs.readdirSync("/home/{u}/gradwork/data/cifar10").join(","));',
            ]

        async def everyone():
            return await asyncio.gather(*[run_cells(url, url.replace("http", "ws"), tokens[u], u, nb_cells + probe(u)) for u in users])

        t0 = time.time()
        results = asyncio.run(everyone())
        report["notebookSeconds"] = round(time.time() - t0, 1)
        expect_threads = max(1, int(args.cpus))
        expect_heap = min(2**30, max(64 * 2**20, args.mem_mb // 4 * 2**20))
        for u, res in zip(users, results):
            failed = [(i, t[-500:]) for i, (st, t) in enumerate(res) if st != "ok"]
            out = "".join(t for _, t in res)
            line = lambda key: next((l[len(key) + 1:] for l in out.splitlines() if l.startswith(key + " ")), None)  # noqa: E731
            info = json.loads(line("INFO") or "null")
            checks = {
                "notebook 01 ran without errors": not failed and len(res) == len(nb_cells) + 2,
                f"threads == {expect_threads} from the cgroup": bool(info) and info["threads"] == expect_threads and (info["threadsSource"] == "cgroup" or os.cpu_count() <= expect_threads),
                f"heap == {expect_heap >> 20} MiB from the cgroup": bool(info) and info["heapLimitBytes"] == expect_heap and info["heapSource"] == "cgroup",
                "cannot read a classmate's notebook": line("OTHER") == "EACCES",
                "reads own notebook": line("OWN") == "read",
                "shared data is read-only": line("DATAWRITE") in ("EACCES", "EROFS"),
                "shared data is visible": os.path.exists(mirror) is False or "cifar-10-batches-bin" in (line("DATA") or ""),
            }
            report["checks"][u] = checks
            report.setdefault("info", {})[u] = info
            if failed:
                report["errors"].append({u: failed})
    except Exception as e:  # report, then clean up
        report["errors"].append(repr(e))
    finally:
        if hub and hub.poll() is None:
            for u in users:
                try:
                    api(url, admin, "DELETE", f"/hub/api/users/{u}/server")
                except Exception:
                    pass
            os.killpg(hub.pid, signal.SIGTERM)
            try:
                hub.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(hub.pid, signal.SIGKILL)
        for u in users:
            subprocess.run(["pkill", "-KILL", "-u", u], check=False)  # leftovers of this user only
        time.sleep(1)
        for u in users:
            subprocess.run(["userdel", "-r", u], check=False, capture_output=True)
            for d in ("/sys/fs/cgroup/gradwork-hub", "/sys/fs/cgroup/cpu/gradwork-hub", "/sys/fs/cgroup/memory/gradwork-hub"):
                if os.path.isdir(f"{d}/{u}"):
                    try:
                        os.rmdir(f"{d}/{u}")
                    except OSError as e:
                        report["errors"].append(f"cgroup {d}/{u} not removed: {e}")
        for d in ("/sys/fs/cgroup/gradwork-hub", "/sys/fs/cgroup/cpu/gradwork-hub", "/sys/fs/cgroup/memory/gradwork-hub"):
            try:
                os.rmdir(d)  # only when empty: another hub's students may still be in it
            except OSError:
                pass
        if args.keep:
            report["tmp"] = tmp
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    ok = not report["errors"] and report["checks"] and all(all(c.values()) for c in report["checks"].values())
    report["ok"] = bool(ok)
    print(json.dumps(report))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
