"""Verify emitted kernels in the Triton interpreter: `python -m dsagen.gen.verify_worker IN OUT`.

Runs in its own process with TRITON_INTERPRET=1 (set before triton is imported). IN is a JSON
list of {"op", "path", "problem", "ops_module"}; OUT gets one record per item:
{"max_error", "passed", "shapes", "where": "cpu-interpreter"} or {"error": ...}.
"""

import importlib
import json
import os
import sys
import traceback


def main(argv):
    os.environ["TRITON_INTERPRET"] = "1"
    items = json.loads(open(argv[0]).read())
    from dsagen.runtime.dispatch import load_module_from_file

    out = []
    for it in items:
        if not str(it["path"]).endswith(".py"):  # a TileLang kernel (kernel.cu + kernel.so): GPU only
            out.append({"passed": False, "where": "not-run",
                        "error": "TileLang kernel: runs only on a GPU of its arch, not in the Triton interpreter"})
            continue
        try:
            mod = load_module_from_file(it["path"], f"verify_{it['op']}")
            ops = importlib.import_module(it["ops_module"])
            verify = ops.VERIFY[it["op"]]
            r = verify(mod, dict(it["problem"]), "cpu")
            rec = {"max_error": float(r["max_error"]), "passed": bool(r["passed"]), "shapes": str(r["shapes"]),
                   "where": "cpu-interpreter"}
        except Exception as e:  # noqa: BLE001
            last = traceback.format_exception_only(type(e), e)[-1].strip()
            rec = {"passed": False, "error": last[:500], "where": "cpu-interpreter"}
        out.append(rec)
    with open(argv[1], "w") as f:
        json.dump(out, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
