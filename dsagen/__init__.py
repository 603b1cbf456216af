"""dsagen: kernels for DeepSeek Sparse Attention, generated, autotuned, cached and checked.

Importing this package is cheap and needs neither tilelang nor a GPU: nothing is compiled
at import. The operators live in :mod:`dsagen.ops`; drop-in replacements for DeepGEMM and
FlashMLA in :mod:`dsagen.compat`.
"""

__version__ = "0.1.0"

from dsagen.runtime.triton_env import choose_interpreter as _choose_interpreter

# Decide interpreter or compiler now, before anything (torch included) can import triton.
_choose_interpreter()
