#!/usr/bin/env bash
# CI: installs Mesa's software Vulkan driver (lavapipe) so the WebGPU execution provider's tests can
# run on a machine without a GPU. Debian 12 only ships Mesa 22, which Dawn rejects (it lacks
# shaderUniform*ArrayDynamicIndexing), so Mesa 25 comes from bookworm-backports, taken from the
# mirror apt already uses. Best effort: prints why and exits 0 when it cannot install (not root, no
# apt, not bookworm, no network); the WebGPU tests then show as skipped with the reason.
set -uo pipefail

say() { echo "install-vulkan: $*"; }

if ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' && ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 \
  && dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -qvE '^2[0-2]\.'; then
  say "lavapipe already installed (mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers))"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then say "skipped: not root"; exit 0; fi
if ! command -v apt-get >/dev/null; then say "skipped: no apt-get"; exit 0; fi
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
if [ "$codename" != bookworm ]; then say "skipped: needs Debian bookworm (this is '${codename:-unknown}')"; exit 0; fi

# The mirror apt already uses: a URIs: line (deb822 .sources) or a deb line (one-line format), never a comment.
mirror=$( { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'; \
  grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; break}}'; } \
  | grep -E '/debian/?$' | head -n 1)
if [ -z "$mirror" ]; then say "skipped: no Debian mirror found in apt's sources"; exit 0; fi

list=/etc/apt/sources.list.d/ddpo-bookworm-backports.list
if ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb ${mirror%/} bookworm-backports main" > "$list"
  say "added bookworm-backports from ${mirror%/}"
fi
export DEBIAN_FRONTEND=noninteractive
if ! timeout 400 apt-get -o DPkg::Lock::Timeout=300 update -qq; then say "skipped: apt-get update failed"; exit 0; fi
if ! timeout 900 apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null; then
  say "skipped: apt-get install mesa-vulkan-drivers failed"; exit 0
fi
say "installed mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
exit 0
