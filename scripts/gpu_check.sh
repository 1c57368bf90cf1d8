#!/usr/bin/env bash
# The CUDA checks, for a machine with a GPU (CI has none): the CUDA tests, the GPU-vs-CPU
# benchmark, and `geonop demo` trained on the GPU with a short budget.
#   bash scripts/gpu_check.sh [OUT_DIR] [DEMO_BUDGET_S]
# Logs and JSON records go to OUT_DIR (default out/gpu_check); the demo's own folder to
# DEMO_OUT (default OUT_DIR/demo). About 6 minutes on one H100.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-out/gpu_check}
budget=${2:-100}
demo_out=${DEMO_OUT:-$out/demo}
py=${PYTHON:-python3}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
"$py" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name())" | tee -a "$out/gpu.txt"
echo "== pytest -m cuda"
timeout 150 "$py" -m pytest tests/test_cuda.py -m cuda -q -p no:cacheprovider 2>&1 | tee "$out/pytest_cuda.log" | tail -25
echo "== benchmarks/bench_gpu.py --quick"
timeout 180 "$py" benchmarks/bench_gpu.py --quick 2>&1 | tee "$out/bench_gpu.log" | tail -8
echo "== geonop demo on the GPU, budget ${budget} s"
timeout $((budget + 200)) "$py" -m geonop.cli.main demo --budget "$budget" --out "$demo_out" 2>&1 \
  | grep -v "it/s\]" | tail -30 | tee "$out/demo.log"
cp "$demo_out/metrics.json" "$out/demo_metrics.json" 2>/dev/null || true
