"""PyTorch: one forward and backward pass of a small network on the CPU.

torch imports unittest and multiprocessing at import time, and ships C++ headers
and test executables that no run opens.
"""

import sys

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
inputs = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 10
target = torch.tensor([[1.0], [0.0], [1.0]])
steps = int(sys.argv[1]) if sys.argv[1:] else 1
for step in range(steps):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(inputs), target)
    loss.backward()
    optimizer.step()
    print("step %d loss %.4f" % (step, loss.item()))
