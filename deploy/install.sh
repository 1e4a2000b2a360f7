#!/bin/sh
# Prepare a machine for deploy/jupyterhub_config.py (run as root; see deploy/README.md):
#   1. the system-wide "gradwork" kernelspec every student's server uses, pointing at the built
#      checkout GRADWORK_HOME (its tslab and its node_modules/gradwork);
#   2. one shared, read-only CIFAR-10 copy in GRADWORK_DATA/cifar10, unpacked and verified once.
# Options from the environment:
#   GRADWORK_HOME (default /opt/gradwork), GRADWORK_DATA (default /srv/gradwork/data),
#   KERNELS (kernelspec folder, default /usr/local/share/jupyter/kernels),
#   NODE (the node binary kernels run on, default: `command -v node`),
#   CIFAR10_ARCHIVE (the official cifar-10-binary.tar.gz, with a .md5 file beside it; default: the
#   course's mirror ../shared/cifar10 beside GRADWORK_HOME; set CIFAR10_ARCHIVE=none to skip the data)
set -eu
HOME_DIR=${GRADWORK_HOME:-/opt/gradwork}
DATA=${GRADWORK_DATA:-/srv/gradwork/data}
KERNELS=${KERNELS:-/usr/local/share/jupyter/kernels}
NODE=${NODE:-$(command -v node)}
ARCHIVE=${CIFAR10_ARCHIVE:-$HOME_DIR/../shared/cifar10/cifar-10-binary.tar.gz}

[ -f "$HOME_DIR/dist/index.js" ] || { echo "install.sh: $HOME_DIR is not a built gradwork checkout (run npm ci there)" >&2; exit 1; }
[ -x "$NODE" ] || { echo "install.sh: no node binary ($NODE); set NODE=" >&2; exit 1; }

mkdir -p "$KERNELS/gradwork"
cat > "$KERNELS/gradwork/kernel.json" <<JSON
{
  "argv": ["$NODE", "$HOME_DIR/node_modules/tslab/bin/tslab", "kernel", "--config-path", "{connection_file}"],
  "display_name": "TypeScript (gradwork)",
  "language": "typescript"
}
JSON
chmod -R a+rX "$KERNELS/gradwork"
echo "kernelspec: $KERNELS/gradwork"

if [ "$ARCHIVE" != none ]; then
  [ -f "$ARCHIVE" ] && [ -f "$ARCHIVE.md5" ] || { echo "install.sh: $ARCHIVE (and its .md5) not found; set CIFAR10_ARCHIVE" >&2; exit 1; }
  mkdir -p "$DATA/cifar10"
  cp "$ARCHIVE" "$DATA/cifar-10-binary.tar.gz"
  cp "$ARCHIVE.md5" "$DATA/cifar-10-binary.tar.gz.md5"
  GRADWORK_CIFAR10_URL="$DATA/cifar-10-binary.tar.gz" "$NODE" -e '
    const gw = require(process.argv[1]);
    gw.data.cifar10.download({ root: process.argv[2], progress: false }).then((r) => console.log(`cifar10: ${r.dir} (${r.skipped ? "already there" : "unpacked"}, md5 ${r.md5})`));
  ' "$HOME_DIR/dist/index.js" "$DATA/cifar10"
  # students read it, nobody but root writes it
  chown -R root:root "$DATA"
  chmod -R a+rX,go-w "$DATA"
fi
