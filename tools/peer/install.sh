#!/bin/sh
# Installs the PyTorch that `npm run bench -- --peer` runs tools/peer/torch_tiny_unet.py with:
# Debian's python3-torch (CPU build, oneDNN) for /usr/bin/python3. Needs root (or sudo) and a
# Debian/Ubuntu apt; not part of CI or of `npm ci`. Without it the benchmark skips the peer.
set -eu
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "tools/peer/install.sh: /usr/bin/python3 already has torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
  exit 0
fi
SUDO=''
if [ "$(id -u)" != 0 ]; then SUDO='sudo'; fi
$SUDO apt-get update
$SUDO apt-get install -y python3-torch
/usr/bin/python3 -c 'import torch; print("tools/peer/install.sh: torch", torch.__version__)'
