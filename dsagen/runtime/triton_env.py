"""The one place dsagen imports triton.

Triton decides between its interpreter and its compiler when a kernel is decorated, and one
process cannot mix the two (library helpers such as tl.cdiv are decorated once, when triton is
imported). So the choice is per process: on a host without a CUDA device dsagen turns the
interpreter on before triton is first imported, which lets every kernel run on CPU tensors.
"""

import os
import sys

import torch


def interpreter_on() -> bool:
    return os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "on", "yes")


def choose_interpreter() -> None:
    """Switch the interpreter on where no CUDA device exists, if triton is not imported yet.

    Called when dsagen is imported: torch itself may import triton later (its dispatcher and
    dynamo probe for it on a custom op's first call), and by then it would be too late.
    """
    if "triton" not in sys.modules and not torch.cuda.is_available():
        os.environ.setdefault("TRITON_INTERPRET", "1")


def import_triton():
    """Import triton, first switching the interpreter on where no CUDA device exists."""
    choose_interpreter()
    import triton

    if interpreter_on():
        _check_numpy_for_interpreter()
    return triton


def _check_numpy_for_interpreter() -> None:
    # Triton 3.6's interpreter calls int() on 1-element arrays in loops with runtime bounds;
    # NumPy >= 2.4 raises there ("only 0-dimensional arrays can be converted to Python scalars").
    import warnings

    import numpy

    major, minor = (int(x) for x in numpy.__version__.split(".")[:2])
    if (major, minor) >= (2, 4):
        warnings.warn(
            f"dsagen: the Triton interpreter fails with NumPy {numpy.__version__} in kernels with "
            "runtime loop bounds; install numpy<2.4 (dsagen declares it)",
            stacklevel=3,
        )


def check_device(**tensors) -> torch.device:
    """Return the device all tensors share; refuse mixes and CPU tensors without the interpreter."""
    device = None
    for name, t in tensors.items():
        if t is None:
            continue
        if device is None:
            device = t.device
        elif t.device != device:
            raise ValueError(f"{name} is on {t.device} but the other inputs are on {device}")
    if device is None:
        raise ValueError("no tensor given")
    if device.type == "cpu" and not interpreter_on():
        import_triton()
        if not interpreter_on():
            raise ValueError(
                "CPU tensors need the Triton interpreter: set TRITON_INTERPRET=1 before "
                "importing triton (this process already imported it without)"
            )
    elif device.type == "cuda" and interpreter_on():
        raise ValueError("CUDA tensors given but the Triton interpreter is on (TRITON_INTERPRET=1)")
    elif device.type not in ("cpu", "cuda"):
        raise ValueError(f"unsupported device {device}")
    return device
