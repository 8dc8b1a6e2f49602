#!/usr/bin/env bash
# Install the Debian packages the portal needs when they are missing: apt-get when root (or with
# passwordless sudo), otherwise say exactly what to install and stop.
set -euo pipefail

missing=()
for package in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  apt_get=(sudo apt-get)
else
  echo "These Debian packages are missing and this user cannot install them: ${missing[*]}" >&2
  echo "Run as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${apt_get[@]}" update -q || true
"${apt_get[@]}" install -y -q --no-install-recommends "${missing[@]}"
