#!/usr/bin/env bash
# One GPU session's checks in one call (run from the repo root on the GPU host, with the
# .devkit/ that tools/make_devkit.sh builds carried along; no tilelang, nvcc or network needed):
#   1. verify every kernel in generated/ for this GPU's arch against its oracle, the TileLang
#      ones through their dispatch adapters (manifest status verified-gpu when they pass); not the
#      Gluon ones (never run: a barrier deadlock would hang the stage), which the gluon stage
#      verifies once their tests have passed;
#   2. time each TileLang kernel against the Triton kernel dispatch would use, side by side
#      (tools/bench_tilelang.py --quick: times, ratio, fraction of roofline, JSON and a plot);
#   3. the TileLang GPU tests (edge cases against the oracle; without tilelang on the host they
#      run the committed kernels and skip the shapes generated/ does not hold);
#   4. only when asked ("topk"): the Triton top-k variants side by side (tools/bench_topk.py --quick:
#      radix, filter, seeded filter, dispatch, torch.topk; times, ratios, fraction of roofline);
#   5. only when asked ("gluon"): the Gluon sm90 sparse MLA prefill and FP8 decode (templates/
#      sparse_mla_{prefill,decode}/gluon.py, never run before) against the oracle on their edge
#      cases; when they pass, the Gluon
#      kernels in generated/ verified (status verified-gpu: dispatch may then use them) and timed
#      against the dispatched Triton kernels (tools/bench_gluon.py --quick: prefill and FP8 decode);
#      ~4-5 minutes;
#   6. only when asked ("full"): the whole test suite on the GPU (Triton compiled, not interpreted).
# Everything lands in OUTDIR (default $OUT): logs, bench.json, bench.png and the updated
# manifest.json to copy back into generated/ (its kernel hashes are unchanged). Each stage has a
# timeout so that the default three fit one 10-minute device call.
#   usage: bash tools/gpu_check.sh [OUTDIR] [verify] [bench] [tests] [topk] [gluon] [full]   (default: the first three)
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-/tmp/dsagen-gpu-check}}
mkdir -p "$out"
if ! python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)"; then
  echo "gpu_check: no CUDA GPU here (this script is for the GPU host)" >&2
  exit 2
fi
[ -d .devkit ] || { echo "gpu_check: no .devkit/ (run tools/make_devkit.sh where tilelang is installed)" >&2; exit 2; }
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/dsagen-devkit .devkit/wheels/*.whl || exit 3
export PYTHONPATH=/tmp/dsagen-devkit:$PWD PYTHONUNBUFFERED=1
export DSAGEN_TVM_RUNTIME=$PWD/.devkit/runtime/libtvm_runtime.so
arch=$(python3 -c "import torch; m, n = torch.cuda.get_device_capability(); print(f'sm{m}{n}')")
{ date -u; nvidia-smi -L; python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__)"; } \
  2>&1 | tee "$out/device.txt"
stages=${*:2}
stages=${stages:-verify bench tests}
for st in $stages; do
  case $st in
    verify) DSAGEN_GLUON=0 timeout 210 python3 -m dsagen verify --arch "$arch" 2>&1 | tee "$out/verify.log"
            cp generated/manifest.json "$out/manifest.json" ;;
    bench)  timeout 210 python3 tools/bench_tilelang.py --arch "$arch" --quick --json "$out/bench.json" \
              --plot "$out/bench.png" 2>&1 | tee "$out/bench.log" ;;
    tests)  timeout 150 python3 -m pytest -q -rs -p no:cacheprovider tests/test_tilelang_*.py -k gpu 2>&1 \
              | tee "$out/pytest-gpu.log" ;;
    topk)   timeout 240 python3 tools/bench_topk.py --arch "$arch" --quick --json "$out/topk.json" \
              --plot "$out/topk.png" 2>&1 | tee "$out/topk.log" ;;
    gluon)  timeout 240 python3 -m pytest -q -rs -p no:cacheprovider tests/test_gluon_sparse_mla_prefill.py \
              tests/test_gluon_sparse_mla_decode.py -k gpu > "$out/pytest-gluon.log" 2>&1  # the CPU emulation runs in CI
            rc=$?; cat "$out/pytest-gluon.log"
            if [ $rc -eq 124 ]; then  # a hang (a barrier protocol deadlock): timing it would hang too
              echo "gpu_check: the Gluon tests timed out; not timing the kernel" | tee -a "$out/pytest-gluon.log"
            else
              if [ $rc -eq 0 ]; then
                timeout 120 python3 -m dsagen verify --arch "$arch" --backend gluon 2>&1 | tee "$out/verify-gluon.log"
                cp generated/manifest.json "$out/manifest.json"
              fi
              timeout 180 python3 tools/bench_gluon.py --quick --json "$out/gluon.json" --plot "$out/gluon.png" \
                2>&1 | tee "$out/gluon-bench.log"
            fi ;;
    full)   timeout 590 python3 -m pytest -q -x -rs -p no:cacheprovider tests 2>&1 | tee "$out/pytest.log" ;;
    *)      echo "gpu_check: unknown stage $st (verify, bench, tests, topk, gluon, full)" >&2; exit 2 ;;
  esac
done
