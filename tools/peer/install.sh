#!/bin/sh
# Installs the PyTorch that `npm run bench -- --peer` runs tools/peer/torch_tiny_unet.py with:
# Debian's python3-torch (CPU build, oneDNN) for /usr/bin/python3, and OpenBLAS: Debian's torch
# does its matrix products (linear layers, attention) through libblas.so.3, which without an
# optimized BLAS is the reference one (2.4 GFLOP/s on a 1024^3 product; OpenBLAS: ~50 on the same
# machine), and the peer would be unfairly slow. Needs root (or sudo) and a Debian/Ubuntu apt; not
# part of CI or of `npm ci`. Without it the benchmark skips the peer.
set -eu
SUDO=''
if [ "$(id -u)" != 0 ]; then SUDO='sudo'; fi
$SUDO apt-get update
$SUDO apt-get install -y python3-torch libopenblas0-pthread
/usr/bin/python3 -c 'import torch; print("tools/peer/install.sh: torch", torch.__version__)'
