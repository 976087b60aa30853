"""A small GPT-2-type character model (nanoGPT-style) and the recursive-training pipeline.

``model`` (the network, with a KV cache), ``data`` (tokenizer and corpora), ``train`` (one
training run on CPU, one GPU or several through torchrun/DDP), ``sample`` (batched generation),
``recursive`` (generations of models trained on each other's samples, with checkpoints).
Importing this package needs PyTorch (the ``gpu`` extra; CPU wheels work).
"""
