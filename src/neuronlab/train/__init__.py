"""How a model learns: the engines (the torch loop, the compiled kernel, the NumPy loop) and what they share.

Nothing is imported here eagerly: the compiled path and the hand-made neuron must not pay for torch.
"""
