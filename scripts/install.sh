#!/usr/bin/env bash
# The production install of uacreg into a self-contained prefix (deploy/README.md):
#
#   scripts/install.sh [PREFIX]          (default /opt/uacreg; run from a built checkout: pnpm install && pnpm build)
#
# PREFIX/lib/uacregd, PREFIX/lib/uacreg   each app with its production dependencies only (`pnpm deploy --prod`),
#                                         workspace packages copied in, better-sqlite3's built addon included
# PREFIX/bin/uacregd, PREFIX/bin/uacreg   the executables (links to each app's dist/main.js; uacregd's is the bundle
#                                         the build made, with dist/chunks/); add PREFIX/bin to PATH or link them
#                                         from /usr/local/bin
# PREFIX/share/uacreg/                    the systemd unit (ExecStart pointing at this PREFIX), the sysusers file, the
#                                         example config, README, CHANGELOG, LICENSE
#
# Nothing outside PREFIX is touched. Packages come from pnpm's store (filled by `pnpm install`), else the npm
# registry. An existing install is replaced as a whole, each app directory swapped in by a rename once complete:
# restart the daemon afterwards (`systemctl restart uacregd`).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
prefix=${1:-/opt/uacreg}
case $prefix in
  /*) ;;
  *) prefix=$(pwd)/$prefix ;;
esac
prefix=${prefix%/}
export npm_config_nodedir=${npm_config_nodedir:-/usr}

die() {
  printf 'install: %s\n' "$*" >&2
  exit 1
}

command -v pnpm >/dev/null || die "pnpm is not on PATH (npm i -g pnpm@$(node -p 'require("'"$root"'/package.json").packageManager.split("@")[1]'))"
for built in apps/uacregd/dist/main.js apps/uacreg/dist/main.js apps/web/dist/www/index.html \
  packages/release/dist/build-info.json; do
  [ -f "$root/$built" ] || die "$built is missing: build first (cd $root && pnpm install --frozen-lockfile && pnpm build)"
done

mkdir -p "$prefix/lib" "$prefix/bin" "$prefix/share"
stage=$(mktemp -d "$prefix/.install.XXXXXX")
trap 'rm -rf "$stage"' EXIT

# One self-contained directory per app: its dist, its production dependencies (no devDependencies, no sources).
# Copied, not linked: pnpm's default hard-links the workspace packages' files to the checkout's dist/, and a later
# build in the checkout would then rewrite the installed files in place.
deploy() {
  pnpm --dir "$root" --filter "$1" --prod --prefer-offline --config.package-import-method=copy deploy "$stage/$2" \
    >"$stage/$2.log" 2>&1 || {
    cat "$stage/$2.log" >&2
    die "pnpm deploy of $1 failed"
  }
  chmod 755 "$stage/$2/dist/main.js"
}
deploy @uacreg/uacregd uacregd
deploy @uacreg/cli uacreg
# The two apps share most of their dependencies: identical files become one, inside the prefix (util-linux).
if command -v hardlink >/dev/null; then hardlink -q -t "$stage/uacregd" "$stage/uacreg" || true; fi

# The files an operator installs from, the unit's ExecStart set to this prefix.
share="$stage/share"
mkdir -p "$share/systemd"
sed -e "s|/opt/uacreg/|$prefix/|g" "$root/deploy/systemd/uacregd.service" >"$share/systemd/uacregd.service"
cp "$root/deploy/systemd/uacreg.sysusers.conf" "$share/systemd/"
cp "$root/deploy/uacreg.example.yaml" "$root/deploy/README.md" "$root/CHANGELOG.md" "$root/LICENSE" "$share/"
chmod -R a+rX "$stage/uacregd" "$stage/uacreg" "$share"

# Swap each directory in whole: a rename within the prefix, the previous one removed afterwards.
swap() {
  if [ -e "$2" ]; then mv "$2" "$stage/old-$(basename "$2")"; fi
  mv "$1" "$2"
}
swap "$stage/uacregd" "$prefix/lib/uacregd"
swap "$stage/uacreg" "$prefix/lib/uacreg"
swap "$share" "$prefix/share/uacreg"
ln -sfn ../lib/uacregd/dist/main.js "$prefix/bin/uacregd"
ln -sfn ../lib/uacreg/dist/main.js "$prefix/bin/uacreg"

printf 'installed %s and %s\n' "$("$prefix/bin/uacregd" --version)" "$("$prefix/bin/uacreg" --version 2>/dev/null || echo uacreg)"
printf '  %s/bin/uacregd, %s/bin/uacreg; unit and example config in %s/share/uacreg\n' "$prefix" "$prefix" "$prefix"
