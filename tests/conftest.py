import os

import torch

# Kernels run on CPU tensors through Triton's interpreter on machines without a GPU; it must be
# switched on before anything imports triton (dsagen.runtime.triton_env does the same).
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")
