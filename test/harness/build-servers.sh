#!/usr/bin/env bash
# Builds the real etcd, kube-apiserver and kubectl that test/harness/kube.ts runs (and the Vault that
# test/harness/vault.ts runs), from the Go module proxy (release downloads are not reachable here).
# Usage: build-servers.sh [etcd] [kube-apiserver] [kubectl] [vault] (default: the first three; Vault only
# when named). Each lands in $LEAKWATCH_SERVERS_DIR/<name>-<version>/<name>, outside the repo so
# every clone on the machine shares one build; existing ones are skipped. Prints one line per binary:
# "<name> <path>". Cold builds take minutes (see test/harness/servers/README.md); set
# LEAKWATCH_BUILD_TIME=1 to wrap each `go build` in `/usr/bin/time -v` (duration and peak RSS on stderr).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVERS_DIR="${LEAKWATCH_SERVERS_DIR:-$HOME/.cache/leakwatch/servers}"

# Versions come from the committed go.mod files so the cache key cannot drift from what is built.
mod_version() { awk -v m="$2" '$1 == m || ($1 == "require" && $2 == m) { print ($1 == m ? $2 : $3); exit }' "$1"; }
ETCD_VERSION="$(mod_version "$here/servers/etcd/go.mod" go.etcd.io/etcd/server/v3)"
KUBE_VERSION="$(mod_version "$here/servers/kube/go.mod" k8s.io/kubernetes)"
VAULT_VERSION="$(mod_version "$here/servers/vault/go.mod" github.com/hashicorp/vault)"
VAULT_PATCH="$here/servers/vault/vault-$VAULT_VERSION.patch"

# Vault's go.mod replaces its vault/sdk and vault/api with nested modules that are not in the module zip,
# and no published vault/sdk matches the one inside a Vault release, so the release's own source does not
# build as a dependency. This copies the module source from the module cache into $1/vault-src (where
# servers/vault/go.mod's replace points) with the committed patch applied; the source is BUSL-1.1, so
# only the patch lives in the repo.
prepare_vault() {
  local src
  src="$(cd "$1" && go mod download -json "github.com/hashicorp/vault@$VAULT_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [ -d "$src" ] || { echo "error: go mod download github.com/hashicorp/vault@$VAULT_VERSION gave no source dir" >&2; return 1; }
  [ ! -e "$1/vault-src" ] || { echo "error: $1/vault-src exists" >&2; return 1; }
  cp "$here/servers/vault/go.mod" "$here/servers/vault/go.sum" "$1/"
  cp -R "$src" "$1/vault-src"
  chmod -R u+w "$1/vault-src" # the module cache is read-only
  patch -d "$1/vault-src" -p1 --forward --batch --quiet <"$VAULT_PATCH"
}

# Prints the binary path for a name without building: kube.ts uses this to find the cache.
path_of() {
  case "$1" in
    etcd) echo "$SERVERS_DIR/etcd-$ETCD_VERSION/etcd" ;;
    kube-apiserver | kubectl) echo "$SERVERS_DIR/$1-$KUBE_VERSION/$1" ;;
    # The patch is part of what is built, so its hash is part of the key.
    vault) echo "$SERVERS_DIR/vault-$VAULT_VERSION-$(sha256sum "$VAULT_PATCH" | cut -c1-8)/vault" ;;
    *) echo "unknown server: $1 (etcd, kube-apiserver, kubectl, vault)" >&2; return 2 ;;
  esac
}

build() {
  local name=$1 out dir tmp moddir pkg ldflags=() timer=()
  out="$(path_of "$name")"
  if [ -x "$out" ]; then echo "$name $out"; return; fi
  command -v go >/dev/null || { echo "error: go not found; $name is built with 'go build'" >&2; return 1; }
  case "$name" in
    etcd) moddir="$here/servers/etcd" pkg=. ;;
    vault) pkg=github.com/hashicorp/vault ;; # moddir: a temp copy, set below
    *)
      moddir="$here/servers/kube" pkg="k8s.io/kubernetes/cmd/$name"
      local minor="${KUBE_VERSION#v1.}"
      # Without these the binaries report v0.0.0-master and kubectl warns about version skew.
      ldflags=(-ldflags "-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor%%.*} -X k8s.io/component-base/version.gitTreeState=clean")
      ;;
  esac
  [ "${LEAKWATCH_BUILD_TIME:-}" = 1 ] && [ -x /usr/bin/time ] && timer=(/usr/bin/time -v)
  dir="$(dirname "$out")"
  mkdir -p "$SERVERS_DIR"
  # Test processes started together would each build the same binary; the lock makes the others wait
  # and then find it built. Without flock they still end correct (the rename below), only slower.
  if command -v flock >/dev/null; then
    exec 9>"$SERVERS_DIR/.lock-$name"
    flock 9
    if [ -x "$out" ]; then exec 9>&-; echo "$name $out"; return; fi
  fi
  # Build into a temp dir and rename it into place, so an interrupted build never leaves a half binary
  # that a later run would take for a finished one.
  tmp="$(mktemp -d "$SERVERS_DIR/.building-$name.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "building $name ($(basename "$dir")) into $SERVERS_DIR; a cold build takes minutes" >&2
  if [ "$name" = vault ]; then
    moddir="$tmp/mod"
    mkdir "$moddir"
    prepare_vault "$moddir"
  fi
  # nice: the build machines' cores are shared; -mod=readonly: the committed go.sum must be complete.
  # CGO_ENABLED=0 for Vault as in its release builds: a static binary, no C toolchain needed.
  (cd "$moddir" && { [ "$name" != vault ] || export CGO_ENABLED=0; } &&
    "${timer[@]}" nice -n 19 go build -mod=readonly -trimpath "${ldflags[@]}" -o "$tmp/$name" "$pkg")
  [ "$name" != vault ] || rm -rf "$moddir"
  if ! mv -T "$tmp" "$dir" 2>/dev/null; then
    # Another build finished first (rename onto a non-empty dir fails); keep the one in place.
    [ -x "$out" ] || { echo "error: could not move $tmp to $dir" >&2; return 1; }
    rm -rf "$tmp"
  fi
  trap - EXIT
  exec 9>&-
  echo "$name $out"
}

if [ "${1:-}" = --path ]; then path_of "$2"; exit; fi
# For a Vault version bump: the wrapper module with the patched source, where `go mod tidy` can run.
if [ "${1:-}" = --prepare-vault ]; then mkdir -p "$2" && prepare_vault "$2" && echo "$2"; exit; fi
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(etcd kube-apiserver kubectl)
for n in "${names[@]}"; do path_of "$n" >/dev/null; done
for n in "${names[@]}"; do build "$n"; done
