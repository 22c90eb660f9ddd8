/** @ddpo/models: tiny-unet-32, the shapes-32 data set, pretraining and shipped weights. */
export {};
