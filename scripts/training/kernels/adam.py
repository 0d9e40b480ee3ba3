"""torch.optim.Adam whose step runs on the fused CPU kernel (optim_cpu.cpp): one pass over each tensor instead of
torch 1.13's five to seven elementwise passes. The state is torch's own (state[p] = step, exp_avg, exp_avg_sq), so
density control's row surgery on it (density.replace_rows) and checkpoints work unchanged; parameters the kernel does
not take (not CPU float32 contiguous, or a group with weight decay, amsgrad or maximize) go through torch's step.

    opt = Adam(groups, eps=1e-15)      # same arguments as torch.optim.Adam
"""
import torch

from . import build


class Adam(torch.optim.Adam):
    @torch.no_grad()
    def step(self, closure=None):
        """One Adam step (torch.optim.Adam.step's contract; closure re-evaluates the loss)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        ext = build("cpu")
        rest = []  # per group, the parameters left to torch's own step
        for group in self.param_groups:
            plain = (group["weight_decay"] == 0 and not group["amsgrad"] and not group.get("maximize", False)
                     and not group.get("differentiable", False))
            mine, others = [], []
            for p in group["params"]:
                if p.grad is None:
                    continue
                fusable = (plain and p.device.type == "cpu" and p.dtype == torch.float32 and p.is_contiguous()
                           and p.grad.is_contiguous() and not p.grad.is_sparse)
                (mine if fusable else others).append(p)
            rest.append(others)
            by_step = {}  # the kernel takes one step count per call; rows added by density control share theirs
            for p in mine:
                st = self.state[p]
                if len(st) == 0:
                    st["step"] = torch.tensor(0.0)
                    st["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    st["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                st["step"] += 1
                by_step.setdefault(float(st["step"]), []).append(p)
            b1, b2 = group["betas"]
            for t, ps in by_step.items():
                ext.adam_step(ps, [p.grad for p in ps], [self.state[p]["exp_avg"] for p in ps],
                              [self.state[p]["exp_avg_sq"] for p in ps], t, group["lr"], b1, b2, group["eps"])
        if any(rest):  # torch's step, shown only those parameters
            keep = [g["params"] for g in self.param_groups]
            try:
                for g, ps in zip(self.param_groups, rest):
                    g["params"] = ps
                super().step()
            finally:
                for g, ps in zip(self.param_groups, keep):
                    g["params"] = ps
        return loss
