/** @ddpo/optim: Adam/AdamW with PyTorch semantics, gradient clipping, and safetensors parameter stores. */
export {};
