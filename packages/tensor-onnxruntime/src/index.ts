/** @ddpo/tensor-onnxruntime: Lower @ddpo/tensor graphs to ONNX and run them on onnxruntime-node (CPU and CUDA execution providers). */
export {};
