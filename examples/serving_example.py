"""A toy-sized DSA layer in a serving loop: one ragged prefill, then two decode steps over paged caches.

Runs on a GPU, or on the CPU through Triton's interpreter (small shapes: it is slow there).
    python examples/serving_example.py
"""

import torch

from dsagen.layers import DSAAttention, LightningIndexer

DIM, QLORA, H_Q, PAGE, TOPK = 128, 64, 16, 64, 16


def main():
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(0)
    layer = DSAAttention(LightningIndexer(DIM, QLORA, heads=4, head_dim=64, rope_dim=32), topk=TOPK).to(dev)

    # -- prefill: two sequences of 40 and 24 tokens -----------------------------------------
    lens = [40, 24]
    t = sum(lens)
    x, qr = torch.randn(t, DIM, device=dev), torch.randn(t, QLORA, device=dev)
    q_mla = torch.randn(t, H_Q, 576, device=dev).bfloat16()
    kv_mla = torch.randn(t, 576, device=dev).bfloat16()
    positions = torch.cat([torch.arange(n) for n in lens]).to(dev)
    cu = torch.tensor([0, lens[0], t], dtype=torch.int32, device=dev)
    with torch.no_grad():
        out, idx = layer.prefill(x, qr, q_mla, kv_mla, positions, cu)
    print("prefill out", tuple(out.shape), "selected per token:", (idx >= 0).sum(1).tolist()[:8], "...")

    # -- the engine's caches: one block table for both (page 64) --------------------------------
    n_blocks = 8
    index_cache = torch.zeros(n_blocks, PAGE, 1, 64 + 4, dtype=torch.uint8, device=dev)
    mla_cache = torch.zeros(n_blocks, PAGE, 1, 656, dtype=torch.uint8, device=dev)  # FlashMLA FP8 layout
    block_table = torch.tensor([[0, 1], [2, 3]], dtype=torch.int32, device=dev)
    slot = lambda s, p: block_table[s, p // PAGE] * PAGE + p % PAGE  # noqa: E731
    with torch.no_grad():
        _, _, k8, ks = layer.indexer(x, qr, positions)
        slots = torch.cat([slot(s, torch.arange(n, device=dev)) for s, n in enumerate(lens)]).to(torch.int32)
        torch.ops.dsagen.indexer_cache_insert(index_cache, k8, ks, slots)
        torch.ops.dsagen.mla_cache_insert(mla_cache, kv_mla, slots)

    # -- decode: one new token per sequence, twice ---------------------------------------------
    ctx = torch.tensor(lens, dtype=torch.int32, device=dev)
    for step in range(2):
        ctx = ctx + 1
        b = len(lens)
        x, qr = torch.randn(b, DIM, device=dev), torch.randn(b, QLORA, device=dev)
        q_mla = torch.randn(b, 1, H_Q, 576, device=dev).bfloat16()
        kv_new = torch.randn(b, 576, device=dev).bfloat16()
        pos = (ctx - 1).long()
        slots = torch.stack([slot(s, pos[s]) for s in range(b)]).to(torch.int32)
        with torch.no_grad():
            out, lse, sel = layer.decode(x, qr, q_mla, kv_new, pos, index_cache, mla_cache,
                                         block_table, ctx, slots, max_context_len=2 * PAGE)
        print(f"decode step {step}: out {tuple(out.shape)}, lse {tuple(lse.shape)}, "
              f"selected {(sel >= 0).sum(-1).flatten().tolist()}")


if __name__ == "__main__":
    main()
