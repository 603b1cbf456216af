#!/usr/bin/env bash
# Build .devkit/ (git-ignored) for tools/gpu_check.sh on a GPU host that has torch and triton but
# neither tilelang nor a network (the device machine lent to some sessions): the apache-tvm-ffi
# wheel for that host's Python (PYVER, default 3.12) and the TVM runtime libraries
# (`dsagen export-runtime`). About 9 MB. Run here, on a host with the test extra installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYVER=${PYVER:-3.12}
rm -rf .devkit
mkdir -p .devkit/wheels
python -m dsagen export-runtime .devkit/runtime
ver=$(python -c 'from importlib.metadata import version; print(version("apache-tvm-ffi"))')
python -m pip download -q --no-deps --only-binary=:all: --python-version "$PYVER" --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_24_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .devkit/wheels "apache-tvm-ffi==$ver"
du -sh .devkit
echo "carry .devkit and run: bash tools/gpu_check.sh \$OUT"
