# JupyterHub for a class working through the gradwork workbook (see deploy/README.md).
#
# Every student gets, at the first start of their server:
#   ~/gradwork/notebooks, ~/gradwork/exercises   their own copies, writable, private (home 0700)
#   ~/gradwork/node_modules/*  -> GRADWORK_HOME/...         the shared, read-only built library
#   ~/gradwork/data/cifar10 -> GRADWORK_DATA/cifar10        one shared, read-only CIFAR-10 copy
# and runs in a cgroup of its own with GRADWORK_HUB_CPUS CPUs and GRADWORK_HUB_MEM_MB of memory
# (cgroup v2 when the machine delegates cpu and memory, else v1). The gradwork kernel reads those
# limits itself and sizes its threads and tensor heap by them (`gw.cpuBackendInfo()` shows it).
#
# Settings, all from the environment of the `jupyterhub` process:
#   GRADWORK_HOME        built checkout of the workbook (npm ci done), default /opt/gradwork
#   GRADWORK_DATA        folder holding cifar10/ unpacked by deploy/install.sh, default /srv/gradwork/data
#   GRADWORK_HUB_CPUS    CPUs per student (may be fractional, e.g. 1.5), default 1
#   GRADWORK_HUB_MEM_MB  memory per student in MiB, default 2048
#   GRADWORK_HUB_URL     public URL, default http://127.0.0.1:8000
#   GRADWORK_HUB_STATE   folder for the hub's database and cookie secret, default /var/lib/gradwork-hub
#   GRADWORK_HUB_USERS   comma-separated allowed users (default: any local user PAM accepts)
#   GRADWORK_HUB_TEST=1  tests only: DummyAuthenticator (any password) and an admin API token
#                        from GRADWORK_HUB_API_TOKEN; never on a real server
import json
import os
import pwd
import shutil
from urllib.parse import urlparse

from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa: F821 (provided by JupyterHub)

HOME = os.environ.get("GRADWORK_HOME", "/opt/gradwork")
DATA = os.environ.get("GRADWORK_DATA", "/srv/gradwork/data")
CPUS = float(os.environ.get("GRADWORK_HUB_CPUS", "1"))
MEM_MB = int(os.environ.get("GRADWORK_HUB_MEM_MB", "2048"))
STATE = os.environ.get("GRADWORK_HUB_STATE", "/var/lib/gradwork-hub")
URL = os.environ.get("GRADWORK_HUB_URL", "http://127.0.0.1:8000")
CGROUP_ROOT = "/sys/fs/cgroup"
# the parent cgroup of every student's cgroup (its name also tells an admin what it is)
CGROUP_NAME = "gradwork-hub"


def cgroup_version():
    """2 when the v2 root delegates cpu and memory, 1 for v1 cpu+memory hierarchies, 0 when neither."""
    try:
        with open(os.path.join(CGROUP_ROOT, "cgroup.subtree_control")) as f:
            ctl = f.read().split()
        if "cpu" in ctl and "memory" in ctl:
            return 2
    except OSError:
        pass
    if os.path.exists(os.path.join(CGROUP_ROOT, "cpu", "cpu.cfs_quota_us")) and os.path.exists(
        os.path.join(CGROUP_ROOT, "memory", "memory.limit_in_bytes")
    ):
        return 1
    return 0


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def user_cgroups(user):
    """Create (or update) the user's cgroup folders with their limits; returns the folders to join."""
    version = cgroup_version()
    period = 100000
    quota = max(1000, int(CPUS * period))
    mem = MEM_MB * 2**20
    if version == 2:
        parent = os.path.join(CGROUP_ROOT, CGROUP_NAME)
        os.makedirs(parent, exist_ok=True)
        write(os.path.join(parent, "cgroup.subtree_control"), "+cpu +memory")
        d = os.path.join(parent, user)
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, "cpu.max"), f"{quota} {period}")
        write(os.path.join(d, "memory.max"), str(mem))
        return [d]
    if version == 1:
        cpu = os.path.join(CGROUP_ROOT, "cpu", CGROUP_NAME, user)
        memory = os.path.join(CGROUP_ROOT, "memory", CGROUP_NAME, user)
        os.makedirs(cpu, exist_ok=True)
        os.makedirs(memory, exist_ok=True)
        write(os.path.join(cpu, "cpu.cfs_period_us"), str(period))
        write(os.path.join(cpu, "cpu.cfs_quota_us"), str(quota))
        write(os.path.join(memory, "memory.limit_in_bytes"), str(mem))
        return [cpu, memory]
    return []


def link_modules(dest):
    """node_modules of a student's copy: links to the shared checkout's packages, and gradwork itself.

    (Linking the whole folder does not work: the checkout's own `gradwork -> ..` link would then
    resolve to the student's folder, which has no dist/.)
    """
    os.makedirs(dest)
    src = os.path.join(HOME, "node_modules")
    for name in os.listdir(src):
        if name not in ("gradwork", ".bin", ".package-lock.json"):
            os.symlink(os.path.join(src, name), os.path.join(dest, name))
    os.symlink(HOME, os.path.join(dest, "gradwork"))


def give_workbook(user):
    """Copy the notebooks and exercises into the user's home once; link the shared library and data."""
    pw = pwd.getpwnam(user)
    home = pw.pw_dir
    os.chmod(home, 0o700)  # classmates cannot read each other's work
    book = os.path.join(home, "gradwork")
    if not os.path.exists(book):
        os.makedirs(os.path.join(book, "data"))
        shutil.copytree(os.path.join(HOME, "notebooks"), os.path.join(book, "notebooks"), symlinks=True)
        shutil.copytree(os.path.join(HOME, "exercises"), os.path.join(book, "exercises"), symlinks=True)
        # named "gradwork" (notebooks find their root by it) but without the checkout's "exports",
        # which would make `import "gradwork"` resolve to this folder itself
        write(os.path.join(book, "package.json"), json.dumps({"name": "gradwork", "private": True, "description": f"{user}'s copy of the gradwork workbook"}, indent=2) + "\n")
        link_modules(os.path.join(book, "node_modules"))
        os.symlink(os.path.join(DATA, "cifar10"), os.path.join(book, "data", "cifar10"))
        for root, dirs, files in os.walk(book):
            for name in dirs + files + [""]:
                os.lchown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)
    return book


class GradworkSpawner(LocalProcessSpawner):
    """Local processes, one cgroup per student with their CPU and memory share, the workbook in their home."""

    cgroups = []

    async def start(self):
        user = self.user.name
        self.notebook_dir = give_workbook(user) + "/notebooks"
        self.cgroups = user_cgroups(user)
        if not self.cgroups:
            self.log.warning("gradwork: no cgroup cpu/memory controllers here: per-user limits are NOT enforced")
        return await super().start()

    def make_preexec_fn(self, name):
        drop_privileges = super().make_preexec_fn(name)
        cgroups = list(self.cgroups)

        def preexec():
            # still root here (before the switch to the user): join the user's cgroups, so the
            # server and every kernel it starts run inside them
            for d in cgroups:
                write(os.path.join(d, "cgroup.procs"), str(os.getpid()))
            drop_privileges()

        return preexec


c.JupyterHub.spawner_class = GradworkSpawner
c.Spawner.environment = {
    # the shared archive's checksum (the unpacked copy's marker matches it): notebook 05 finds the
    # data already there and never downloads 180 MB per student
    "GRADWORK_CIFAR10_URL": os.path.join(DATA, "cifar-10-binary.tar.gz"),
    "GRADWORK_CIFAR10_MD5": open(os.path.join(DATA, "cifar-10-binary.tar.gz.md5")).read().split()[0]
    if os.path.exists(os.path.join(DATA, "cifar-10-binary.tar.gz.md5"))
    else "",
}
if os.environ.get("JUPYTER_PATH"):  # an alternative kernelspec folder (tests)
    c.Spawner.environment["JUPYTER_PATH"] = os.environ["JUPYTER_PATH"]
c.Spawner.default_url = "/tree"
c.Spawner.cpu_limit = CPUS
c.Spawner.mem_limit = MEM_MB * 2**20
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120

# Debian's configurable-http-proxy finds its modules in /usr/share/nodejs, which Debian's own node
# searches but a node from elsewhere (nodesource, nvm) on PATH does not
if os.path.isdir("/usr/share/nodejs"):
    os.environ["NODE_PATH"] = os.pathsep.join(p for p in (os.environ.get("NODE_PATH"), "/usr/share/nodejs") if p)

u = urlparse(URL)
c.JupyterHub.bind_url = URL
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("GRADWORK_HUB_INTERNAL_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:" + os.environ.get("GRADWORK_HUB_PROXY_API_PORT", "8001")
os.makedirs(STATE, mode=0o700, exist_ok=True)
c.JupyterHub.db_url = "sqlite:///" + os.path.join(STATE, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "proxy.pid")
c.JupyterHub.pid_file = os.path.join(STATE, "jupyterhub.pid")

if os.environ.get("GRADWORK_HUB_USERS"):
    c.Authenticator.allowed_users = set(os.environ["GRADWORK_HUB_USERS"].split(","))

if os.environ.get("GRADWORK_HUB_TEST") == "1":
    c.JupyterHub.authenticator_class = "dummy"
    c.JupyterHub.services = [{"name": "gradwork-test", "api_token": os.environ["GRADWORK_HUB_API_TOKEN"]}]
    c.JupyterHub.load_roles = [{"name": "admin", "services": ["gradwork-test"]}]
