/** @ddpo/trainer: DDPO and RWR training loops, configuration, metrics, checkpoints and resume. */
export {};
