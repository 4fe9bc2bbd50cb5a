#!/usr/bin/env bash
# Fetches (or builds) llama.cpp v0.5.0 for the local engine into a per-machine cache, once, and prints the
# directory of the requested variant on stdout. Everything else goes to stderr.
#
#   scripts/llama-cpp.sh headers   llama.h and the ggml headers the JNI shim is compiled against
#   scripts/llama-cpp.sh cpu       the prebuilt CPU libraries (default of the build; see the README for why)
#   scripts/llama-cpp.sh source    libllama + ggml built here from the same release's source with CMake
#   scripts/llama-cpp.sh cuda      the prebuilt CUDA 13 libraries (needs an NVIDIA driver, CUDA 13 runtime, cuBLAS)
#   scripts/llama-cpp.sh grammar   the release's JSON-schema-to-GBNF converter (common/), compiled with g++ into a
#                                  static archive with the headers it needs; the same for every variant above
#
# The source and binaries come from npm packages of node-llama-cpp 3.22.1, which carry llama.cpp tag v0.5.0 as a
# git bundle (node-llama-cpp) and as prebuilt shared libraries (@node-llama-cpp/linux-x64, -linux-x64-cuda).
# Each package is pinned by version and by its sha512 (npm's integrity) and sha256.
# The cache is $LORE_CACHE (default ~/.cache/lore); set LORE_LLAMA_DIR to use a directory prepared elsewhere.
set -euo pipefail

LLAMA_TAG=v0.5.0
LLAMA_VERSION=0.5.0
GGML_VERSION=0.25.1
NLC_VERSION=3.22.1

declare -A SHA512=(
  [node-llama-cpp]="bltIipuWmc123H7tMIgDGKSsSrhmhlQYeVUC48XTjVW7XGJJiJJyCdlTMzQ/LiWoPkGDpcL4FviDpgw7qfTiDw=="
  [@node-llama-cpp/linux-x64]="5uCCDNqWCNfaAm8aR/Uzxbo4HBpKgNF91kCHPepKhgMgV2OAmatoefbOlMihsqCiH2Od35E/eUHQCFbfRBJuOg=="
  [@node-llama-cpp/linux-x64-cuda]="8rQCjyNNLZJUFit+YpjwlC4hwkKgOMIkB2wuycKBf8NU2O3ySKbiWZQ8aw9ku2nUTXjSnUIrE6KB88itduTBuA=="
)
declare -A SHA256=(
  [node-llama-cpp]="a0d9dd80eacd2ab1cfe71aee57ac8a806487fd70b3d2a38fbec637752d9e5c5f"
  [@node-llama-cpp/linux-x64]="0d953e1503d5ab4608d8ed5b739132308c81ac05ffeb760d2a7f30e08a9f90e0"
  [@node-llama-cpp/linux-x64-cuda]="d6cd3ff39a43b024816952e0bc6452d6711608d26256ff6eb0fe8cf7ff55bb2c"
)

variant="${1:-cpu}"
cache="${LORE_LLAMA_DIR:-${LORE_CACHE:-$HOME/.cache/lore}/llama.cpp-$LLAMA_TAG}"
mkdir -p "$cache"
log() { echo "[llama.cpp] $*" >&2; }

# Downloads one pinned npm package into $cache/downloads and checks both digests; prints the tarball's path.
fetch() {
  local package="$1" name tarball
  name="${package#@}"; name="${name//\//-}-$NLC_VERSION.tgz"
  tarball="$cache/downloads/$name"
  if [[ ! -f "$tarball" ]]; then
    mkdir -p "$cache/downloads"
    local partial="$cache/downloads/.partial-$$"
    mkdir -p "$partial"
    log "downloading $package@$NLC_VERSION"
    if command -v npm >/dev/null; then
      (cd "$partial" && npm pack --silent "$package@$NLC_VERSION" >/dev/null)
    else
      curl -fsSL --retry 3 -o "$partial/$name" \
        "https://registry.npmjs.org/$package/-/${package##*/}-$NLC_VERSION.tgz"
    fi
    mv "$partial/$name" "$tarball.unchecked"
    rmdir "$partial"
    local sha512 sha256
    sha512="$(openssl dgst -sha512 -binary "$tarball.unchecked" | base64 -w0)"
    sha256="$(sha256sum "$tarball.unchecked" | cut -d' ' -f1)"
    if [[ "$sha512" != "${SHA512[$package]}" || "$sha256" != "${SHA256[$package]}" ]]; then
      rm -f "$tarball.unchecked"
      log "checksum mismatch for $package@$NLC_VERSION (sha256 $sha256): refusing it"
      exit 1
    fi
    mv "$tarball.unchecked" "$tarball"
  fi
  echo "$tarball"
}

# The release's source tree, cloned from the git bundle inside the node-llama-cpp package.
source_tree() {
  local tree="$cache/src"
  if [[ ! -f "$tree/include/llama.h" ]]; then
    local tarball work
    tarball="$(fetch node-llama-cpp)"
    work="$(mktemp -d "$cache/.src-XXXXXX")"
    tar -xzf "$tarball" -C "$work" package/llama/gitRelease.bundle
    git clone -q "$work/package/llama/gitRelease.bundle" "$work/llama.cpp" 2>/dev/null
    rm -rf "$work/llama.cpp/.git" "$work/package" "$tree"
    mv "$work/llama.cpp" "$tree"
    rmdir "$work"
  fi
  echo "$tree"
}

headers() {
  local dir="$cache/include"
  if [[ ! -f "$dir/llama.h" ]]; then
    local tree work
    tree="$(source_tree)"
    grep -q "set(LLAMA_VERSION_MINOR 5)" "$tree/CMakeLists.txt" || { log "the bundle is not llama.cpp $LLAMA_TAG"; exit 1; }
    grep -q "set(GGML_VERSION_MINOR 25)" "$tree/ggml/CMakeLists.txt" || { log "the bundle's ggml is not $GGML_VERSION"; exit 1; }
    work="$(mktemp -d "$cache/.include-XXXXXX")"
    cp "$tree/include/llama.h" "$tree"/ggml/include/*.h "$work/"
    printf 'llama=%s\nggml=%s\n' "$LLAMA_VERSION" "$GGML_VERSION" > "$work/lore-llama-identity.properties"
    rm -rf "$dir"; mv "$work" "$dir"
  fi
  echo "$dir"
}

# Unpacks a prebuilt package's libraries (libllama, libggml, libggml-base and the backends ggml loads at run time).
prebuilt() {
  local package="$1" dir="$2"
  if [[ ! -f "$dir/.complete" ]]; then
    local tarball work
    tarball="$(fetch "$package")"
    work="$(mktemp -d "$cache/.lib-XXXXXX")"
    tar -xzf "$tarball" -C "$work"
    mkdir -p "$work/lib"
    find "$work/package/bins" -name 'lib*.so' ! -name 'libllama-common.so' -exec mv {} "$work/lib/" \;
    touch "$work/lib/.complete"
    rm -rf "$dir"; mv "$work/lib" "$dir"; rm -rf "$work"
  fi
  echo "$dir"
}

# A CPU-only shared build from the release's source: one CPU backend for this machine's baseline (x86-64 with
# AVX2/FMA/F16C, ggml's default when GGML_NATIVE is off), no tools, tests or examples.
built() {
  local dir="$cache/source"
  if [[ ! -f "$dir/.complete" ]]; then
    local tree work started
    tree="$(source_tree)"
    work="$(mktemp -d "$cache/.build-XXXXXX")"
    started=$SECONDS
    log "building llama.cpp $LLAMA_TAG from source (a few minutes on two cores)"
    cmake -S "$tree" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=ON \
      -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
      -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF -DCMAKE_BUILD_RPATH_USE_ORIGIN=ON >&2
    cmake --build "$work/build" --target llama -j "$(nproc)" >&2
    mkdir -p "$work/lib"
    find "$work/build/bin" -name 'lib*.so*' -exec cp -P {} "$work/lib/" \;
    touch "$work/lib/.complete"
    rm -rf "$dir"; mv "$work/lib" "$dir"; rm -rf "$work"
    log "built in $((SECONDS - started)) s"
  fi
  echo "$dir"
}

# The release's JSON-schema-to-grammar converter and what it uses from common/ (its JSON wrapper over the vendored
# nlohmann json, the trie and unicode helpers), position-independent, so the shim links it in: the prebuilt
# packages leave libllama-common out, and common.cpp as a whole would pull in libllama through the linker.
grammar() {
  local dir="$cache/grammar"
  if [[ ! -f "$dir/.complete" ]]; then
    local tree work unit
    tree="$(source_tree)"
    work="$(mktemp -d "$cache/.grammar-XXXXXX")"
    log "compiling llama.cpp $LLAMA_TAG's json-schema-to-grammar"
    for unit in json-schema-to-grammar json-schema json trie unicode; do
      g++ -std=c++17 -O2 -fPIC -fvisibility=hidden -I"$tree/common" -I"$tree/include" -I"$tree/ggml/include" \
        -I"$tree/vendor" -c "$tree/common/$unit.cpp" -o "$work/$unit.o" >&2
    done
    ar rcs "$work/liblore-json-grammar.a" "$work"/*.o
    rm -f "$work"/*.o
    mkdir -p "$work/include"
    cp "$tree/common/json-schema-to-grammar.h" "$tree/common/json-schema.h" "$tree/common/json.h" "$work/include/"
    touch "$work/.complete"
    rm -rf "$dir"; mv "$work" "$dir"
  fi
  echo "$dir"
}

# One fetch or build at a time per cache: parallel builds on one machine share it.
exec 9>"$cache/.lock"
flock 9
case "$variant" in
  headers) headers ;;
  cpu) headers >/dev/null; prebuilt @node-llama-cpp/linux-x64 "$cache/cpu" ;;
  cuda) headers >/dev/null; prebuilt @node-llama-cpp/linux-x64-cuda "$cache/cuda" ;;
  source) headers >/dev/null; built ;;
  grammar) grammar ;;
  *) echo "usage: $0 headers|cpu|source|cuda|grammar" >&2; exit 2 ;;
esac
