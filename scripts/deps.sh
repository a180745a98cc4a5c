#!/usr/bin/env bash
# deps.sh installs the Debian/Ubuntu packages needed to build and test Skirmish:
# the X11, OpenGL and ALSA headers and gcc for the Ebiten client (and for -race),
# Xvfb to run the client's tests without a display, qemu-user-static to run the
# arm64 determinism tests (go test -exec qemu-aarch64-static; binfmt is not needed),
# and nginx, which the spectator cache test starts on loopback in front of a server
# (deploy/nginx/spectators.conf; the test runs its own nginx, never the system's).
#
# It only installs what is missing, so it is cheap to run before every build:
# when everything is present it prints nothing and exits 0.
#
# Usage: scripts/deps.sh [EXTRA_PACKAGE...]
# Extra package names are installed too if missing (.ci/run uses this for make).
set -euo pipefail

packages=(
	libxrandr-dev libxcursor-dev libxinerama-dev libxi-dev libxxf86vm-dev
	libgl1-mesa-dev libx11-dev pkg-config gcc libasound2-dev
	xvfb xauth qemu-user-static nginx
	"$@"
)


have_qemu() {
	# Debian before trixie ships qemu-aarch64-static; newer qemu-user packages
	# may only ship a static qemu-aarch64.
	command -v qemu-aarch64-static >/dev/null 2>&1 || command -v qemu-aarch64 >/dev/null 2>&1
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	# Not Debian or Ubuntu: say what is needed and let the user decide.
	missing_tools=()
	command -v gcc >/dev/null 2>&1 || missing_tools+=(gcc)
	command -v pkg-config >/dev/null 2>&1 || missing_tools+=(pkg-config)
	command -v xvfb-run >/dev/null 2>&1 || missing_tools+=(xvfb-run)
	have_qemu || missing_tools+=(qemu-aarch64-static)
	command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing_tools+=(nginx)
	if ((${#missing_tools[@]} == 0)); then
		exit 0
	fi
	{
		echo "deps.sh: apt-get not found; this script installs packages on Debian and Ubuntu only."
		echo "deps.sh: missing tools: ${missing_tools[*]}"
		echo "deps.sh: install the equivalents of these Debian packages with your package manager:"
		echo "    ${packages[*]}"
	} >&2
	exit 1
fi

# One dpkg-query for all packages keeps the common case (nothing missing) fast.
# It exits non-zero when a package is unknown to dpkg; that package is missing.
declare -A ok=()
while read -r pkg status; do
	[[ $status == "install ok installed" ]] && ok[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for pkg in "${packages[@]}"; do
	[[ -n ${ok[$pkg]:-} ]] || missing+=("$pkg")
done

if ((${#missing[@]} > 0)); then
	sudo=()
	if ((EUID != 0)); then
		if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
			sudo=(sudo)
		elif command -v sudo >/dev/null 2>&1 && [[ -t 0 ]]; then
			# Interactive shell with a password-protected sudo: let sudo ask.
			echo "deps.sh: installing ${missing[*]} with sudo (it may ask for your password)" >&2
			sudo=(sudo)
		else
			{
				echo "deps.sh: these packages are missing: ${missing[*]}"
				echo "deps.sh: they need root to install, and sudo is not available without a password."
				echo "deps.sh: run this, then try again:"
				echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}"
			} >&2
			exit 1
		fi
	fi
	echo "deps.sh: installing ${missing[*]}" >&2
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq "${missing[@]}"
fi

if ! have_qemu; then
	{
		echo "deps.sh: qemu-user-static is installed but neither qemu-aarch64-static nor qemu-aarch64 is on PATH"
		echo "deps.sh: (on Debian it is /usr/bin/qemu-aarch64-static); the arm64 tests need it."
	} >&2
	exit 1
fi
