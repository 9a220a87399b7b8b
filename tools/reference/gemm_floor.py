"""Every Linear product of a baby training step as bare torch matrix products, one thread: the PyTorch side
of Quill's GemmFloor benchmark (same shapes: B*T = 768 rows; per layer c_attn 128->384, attn c_proj
128->128, c_fc 128->512, mlp c_proj 512->128, four layers, and the tied head 128->65 once), each product's
forward y = x W^T, input gradient dx = dy W and weight gradient dW = dy^T x.

    python tools/reference/gemm_floor.py            (prints ms and GFLOP/s per shape, then the step's sum)
"""
import time

import torch

ROWS = 768
SHAPES = [(128, 384, 4), (128, 128, 4), (128, 512, 4), (512, 128, 4), (128, 65, 1)]  # (in, out, count)


def main():
    torch.set_num_threads(1)
    total = 0.0
    for k, n, count in SHAPES:
        x, w, dy = torch.randn(ROWS, k), torch.randn(n, k), torch.randn(ROWS, n)

        def products():
            return x @ w.t(), dy @ w, dy.t() @ x

        for _ in range(50):
            products()
        reps = 400
        t0 = time.perf_counter()
        for _ in range(reps):
            products()
        ms = (time.perf_counter() - t0) / reps * 1e3
        flop = 3 * 2 * ROWS * k * n
        print(f"{k:4d} -> {n:4d} (x{count}): forward + dx + dW {ms:.3f} ms ({flop / ms / 1e6:.0f} GFLOP/s)")
        total += ms * count
    print(f"all Linear products of a baby step, one thread: {total:.2f} ms (torch {torch.__version__})")


if __name__ == "__main__":
    main()
