/** @ddpo/scheduler: DDIM with stochastic eta as a denoising MDP, with exact per-step log-probs (DDPO). */
export {};
