/** @ddpo/rewards: Swappable reward functions: JPEG compressibility, aesthetic predictor, remote rewards, reward-model training. */
export {};
