#!/bin/bash
# Build the sandbox image (default llsr-sandbox:latest) without a registry.
#
# The base is a debootstrapped Debian bookworm (minbase + python3) fetched
# from the host's own apt mirror, imported as llsr-base:bookworm; the
# Dockerfile next to this script adds the harness on top.
#
# Environment:
#   LLSR_IMAGE       image to build (default llsr-sandbox:latest)
#   LLSR_BASE_IMAGE  use this image as base instead of debootstrapping
#   LLSR_CACHE       cache directory for the rootfs tarball
#                    (default /var/cache/ll-solution-runner)
#   LLSR_MIRROR      Debian mirror URI (default: read from apt's sources)
#   LLSR_PACKAGES    extra Debian packages in the image, an operator's
#                    choice, e.g. "python3-numpy python3-pandas" (BigCodeBench,
#                    DS-1000 style tasks): fetched offline like the base, from
#                    the same mirror, dependencies included. The list is part
#                    of the image's content hash and of its labels: an image
#                    with other packages is another image (docs/harness.md,
#                    "Image").
#   LLSR_FORCE=1     rebuild even if the image is up to date
set -eu

here=$(cd -- "$(dirname -- "$0")" && pwd -P)
image=${LLSR_IMAGE:-llsr-sandbox:latest}
base_image=${LLSR_BASE_IMAGE:-}
cache=${LLSR_CACHE:-/var/cache/ll-solution-runner}
suite=bookworm
local_base=llsr-base:$suite
label=org.ll-solution-runner.harness-hash
start=$(date +%s)

log() { printf 'build-image: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The extra packages: names as Debian spells them, sorted, one space apart.
read -r -a wanted <<<"$(printf '%s' "${LLSR_PACKAGES:-}" | tr ',\n' '  ')"
for p in "${wanted[@]}"; do
	printf '%s' "$p" | grep -Eq '^[a-z0-9][a-z0-9+.-]+$' ||
		die "LLSR_PACKAGES: '$p' is not a Debian package name"
done
packages=$(printf '%s\n' "${wanted[@]}" | grep -v '^$' | LC_ALL=C sort -u | paste -sd' ' -)
if [ -n "$packages" ]; then
	# Another base per package list: the default one stays as it is.
	pkg_id=$(printf '%s' "$packages" | sha256sum | cut -c1-12)
	local_base=llsr-base:$suite-$pkg_id
fi

command -v docker >/dev/null 2>&1 || die "docker CLI not found"
docker info >/dev/null 2>&1 || die "cannot talk to the docker daemon"
[ -f "$here/Dockerfile" ] || die "$here/Dockerfile missing"
[ -f "$here/harness/harness.py" ] || die "$here/harness/harness.py missing"

# Everything the image is made of: the docker/ directory and the base name.
content_hash() {
	{
		printf 'base=%s\n' "${base_image:-$local_base}"
		printf 'packages=%s\n' "$packages"
		(cd -- "$here" && find . -type f ! -path '*/__pycache__/*' \
			! -name '*.pyc' -print0 | LC_ALL=C sort -z |
			xargs -0 sha256sum)
	} | sha256sum | cut -d' ' -f1
}

# Print the URI of the apt source serving "$suite" (not -security/-updates).
find_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		# one-line style: deb [options] uri suite components...
		awk -v s="$suite" '
			$1 == "deb" {
				i = 2
				if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
				if ($(i + 1) == s) { print $i; exit }
			}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822 style: paragraphs with Types:, URIs:, Suites:, Enabled:
		awk -v s="$suite" '
			BEGIN { RS = ""; FS = "\n" }
			{
				types = ""; uris = ""; suites = ""; enabled = "yes"
				for (i = 1; i <= NF; i++) {
					line = $i
					if (line ~ /^[ \t]*#/) continue
					k = tolower(line); sub(/:.*/, "", k)
					v = line; sub(/^[^:]*:[ \t]*/, "", v)
					if (k == "types") types = v
					else if (k == "uris") uris = v
					else if (k == "suites") suites = v
					else if (k == "enabled") enabled = tolower(v)
				}
				if (enabled == "no" || (" " types " ") !~ / deb /) next
				n = split(suites, a, /[ \t]+/)
				for (j = 1; j <= n; j++) if (a[j] == s) {
					split(uris, u, /[ \t]+/); print u[1]; exit
				}
			}' "$f"
	done
}

hash=$(content_hash)
if [ "${LLSR_FORCE:-0}" != 1 ] &&
	old=$(docker image inspect -f "{{ index .Config.Labels \"$label\" }}" \
		"$image" 2>/dev/null) && [ "$old" = "$hash" ]; then
	log "$image is up to date (hash $(printf %.12s "$hash")); nothing to do"
	exit 0
fi

if [ -z "$base_image" ]; then
	base_image=$local_base
	if [ "${LLSR_FORCE:-0}" = 1 ] ||
		! docker image inspect "$base_image" >/dev/null 2>&1; then
		tarball=$cache/rootfs-$suite-minbase-python3${pkg_id:+-$pkg_id}.tar
		if [ ! -s "$tarball" ]; then
			command -v debootstrap >/dev/null 2>&1 ||
				die "debootstrap not found (apt-get install debootstrap)"
			[ "$(id -u)" = 0 ] || die "debootstrap needs root"
			mirror=${LLSR_MIRROR:-$(find_mirror | head -n 1)}
			[ -n "$mirror" ] ||
				die "no apt source serves '$suite'; set LLSR_MIRROR"
			mkdir -p -- "$cache"
			root=$(mktemp -d "$cache/rootfs.XXXXXX")
			trap 'rm -rf -- "$root"' EXIT
			log "debootstrap $suite from $mirror (takes a minute or two)${packages:+, with $packages}"
			debootstrap --variant=minbase --include="python3${packages:+,$(printf '%s' "$packages" | tr ' ' ',')}" \
				"$suite" "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
				die "debootstrap failed; see $cache/debootstrap.log"
			log "stripping docs, man pages, locales, apt lists"
			rm -rf -- "$root"/usr/share/doc/* "$root"/usr/share/man/* \
				"$root"/usr/share/info/* "$root"/usr/share/locale/* \
				"$root"/usr/share/lintian "$root"/var/lib/apt/lists/* \
				"$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
				"$root"/var/log/* "$root"/tmp/* "$root"/root/.cache
			tar -C "$root" --numeric-owner -cf "$tarball.tmp" .
			mv -- "$tarball.tmp" "$tarball"
			rm -rf -- "$root"
			trap - EXIT
			log "cached rootfs at $tarball ($(du -h "$tarball" | cut -f1))"
		else
			log "using cached rootfs $tarball"
		fi
		log "importing $base_image"
		docker import -m "debootstrap $suite minbase + python3${packages:+ + $packages}" \
			"$tarball" "$base_image" >/dev/null
	else
		log "using existing base image $base_image"
	fi
else
	[ -z "$packages" ] ||
		die "LLSR_PACKAGES needs the debootstrapped base (not LLSR_BASE_IMAGE): install them in your own base"
	log "using base image $base_image (LLSR_BASE_IMAGE)"
fi

log "building $image"
old_id=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
docker build -q --build-arg "BASE=$base_image" \
	--build-arg "HARNESS_HASH=$hash" --build-arg "PACKAGES=$packages" \
	-t "$image" "$here" >/dev/null
new_id=$(docker image inspect -f '{{.Id}}' "$image")
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
	# The previous build is now untagged; drop it unless a container uses it.
	docker rmi "$old_id" >/dev/null 2>&1 || true
fi

docker run --rm --network none --read-only --user 10001:10001 "$image" \
	python3 -I -S -c 'import ctypes, json, ast, base64, unittest' ||
	die "$image: python3 lacks a required module"
# Containers run as a uid of their own from uid_range, which has no passwd
# entry: the harness and its execute-only interpreter must work for any uid.
docker run --rm --network none --read-only --user 123457:123457 "$image" \
	/opt/llsr/bin/python3 -I -S -c 'import os, sys; sys.path.insert(0, "/opt/llsr"); import llsr_procs' ||
	die "$image: the harness does not work for an arbitrary uid"

log "built $image in $(($(date +%s) - start)) s" \
	"($(docker image inspect -f '{{.Size}}' "$image") bytes)"
