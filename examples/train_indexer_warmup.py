"""Dense warm-up of a DSA indexer (DeepSeek-V3.2's first training stage) on a tiny 2-layer model.

The main attention (MLA in its latent form, random frozen weights) runs dense, causal, through
dsagen's sparse_mla_prefill with every earlier token selected; its lse is the target's
normaliser. Only the two indexers train, with dsagen.ops.indexer_kl over all causal keys (the
kernel streams key tiles; nothing [T, T] is formed by the loss). Each step prints the loss and the
indexer's top-k recall of the dense attention's top-k (head-summed probabilities), which rises
as the indexer learns where the attention looks.

    python examples/train_indexer_warmup.py [--steps 40] [--tokens 16]

On a CPU-only host the kernels run in Triton's interpreter (slow; the defaults take a few minutes).
"""

import argparse

import torch

from dsagen import ops

D_QK, D_V = 512, 512          # DeepSeek-V4 / GLM-5.3-Flash style MLA rows (K = V)


class TinyDSALayer(torch.nn.Module):
    def __init__(self, dim, heads, index_heads, index_dim, seed):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.heads, self.index_heads, self.index_dim = heads, index_heads, index_dim
        # the frozen main attention (sharpened so that it has a top-k worth finding)
        self.register_buffer("wq", 3.0 * torch.randn(dim, heads * D_QK, generator=g) / dim ** 0.5)
        self.register_buffer("wkv", torch.randn(dim, D_QK, generator=g) / dim ** 0.5)
        self.register_buffer("wo", torch.randn(heads * D_V, dim, generator=g) / (heads * D_V) ** 0.5)
        # the indexer, trained
        self.wq_idx = torch.nn.Parameter(torch.randn(dim, index_heads * index_dim, generator=g) / dim ** 0.5)
        self.wk_idx = torch.nn.Parameter(torch.randn(dim, index_dim, generator=g) / dim ** 0.5)
        self.ww = torch.nn.Parameter(torch.randn(dim, index_heads, generator=g) / dim ** 0.5)

    def attention(self, x):
        """Dense causal MLA: (out [T, H, 512] bf16, lse [T, H], q, kv)."""
        t = x.shape[0]
        q = (x @ self.wq).reshape(t, self.heads, D_QK).to(torch.bfloat16)
        kv = (x @ self.wkv).reshape(t, 1, D_QK).to(torch.bfloat16)
        pos = torch.arange(t)
        causal = torch.where(pos[None, :] <= pos[:, None], pos[None, :], -1).to(torch.int32)[:, None, :]
        out, _, lse = ops.sparse_mla_prefill(q, kv, causal, D_QK ** -0.5)
        return out, lse, q, kv

    def indexer(self, x):
        t = x.shape[0]
        q_idx = (x @ self.wq_idx).reshape(t, self.index_heads, self.index_dim).to(torch.bfloat16)
        k_idx = (x @ self.wk_idx).to(torch.bfloat16)
        weights = (x @ self.ww) * self.index_heads ** -0.5
        return q_idx, weights, k_idx


def recall(layer, x, q, kv, lse, k):
    """Mean over queries with more than k causal keys of |indexer top-k & attention top-k| / k."""
    with torch.no_grad():
        q_idx, w, k_idx = layer.indexer(x)
        t = x.shape[0]
        causal = torch.ones(t, t, dtype=torch.bool).tril()
        scores = torch.einsum("tjs,tj->ts", torch.relu(torch.einsum("tjd,sd->tjs", q_idx.float(), k_idx.float())), w)
        z = torch.einsum("thd,sd->ths", q.float(), kv[:, 0].float()) * D_QK ** -0.5
        mass = torch.exp(z - lse[..., None]).sum(1)
        rows = torch.arange(k, t)
        got = scores.masked_fill(~causal, float("-inf"))[rows].topk(k, dim=-1).indices
        want = mass.masked_fill(~causal, float("-inf"))[rows].topk(k, dim=-1).indices
        hits = (got[:, :, None] == want[:, None, :]).any(-1).float().sum(-1)
        return float(hits.mean() / k)


def main(steps=40, tokens=16, dim=64, heads=16, index_heads=16, index_dim=32, k=4, lr=0.01, seed=0, log=print):
    torch.manual_seed(seed)
    layers = [TinyDSALayer(dim, heads, index_heads, index_dim, seed + i) for i in range(2)]
    x = torch.randn(tokens, dim, generator=torch.Generator().manual_seed(seed + 100))
    # the warm-up trains only the indexers: the attention (and so each layer's input and target) is fixed
    inputs, targets = [], []
    with torch.no_grad():
        h = x
        for layer in layers:
            out, lse, q, kv = layer.attention(h)
            inputs.append(h)
            targets.append((q, kv, lse))
            h = h + out.reshape(tokens, -1).float() @ layer.wo
    key_start = torch.zeros(tokens, dtype=torch.int32)
    key_end = torch.arange(1, tokens + 1, dtype=torch.int32)
    params = [p for layer in layers for p in layer.parameters()]
    opt = torch.optim.Adam(params, lr=lr)
    history = []
    for step in range(steps):
        loss = 0.0
        for layer, h, (q, kv, lse) in zip(layers, inputs, targets):
            q_idx, w, k_idx = layer.indexer(h)
            loss = loss + ops.indexer_kl(q_idx, w, k_idx, q, kv, lse, None, key_start, key_end).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        rec = sum(recall(layer, h, *tg, k) for layer, h, tg in zip(layers, inputs, targets)) / len(layers)
        history.append((loss.item(), rec))
        log(f"step {step:3d}  dense KL {loss.item():.4f}  top-{k} recall {rec:.3f}")
    return history


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--tokens", type=int, default=16)
    a = ap.parse_args()
    hist = main(steps=a.steps, tokens=a.tokens)
    print(f"loss {hist[0][0]:.4f} -> {hist[-1][0]:.4f}; recall {hist[0][1]:.3f} -> {hist[-1][1]:.3f}")
