/** @ddpo/ppo: DDPO_IS / DDPO_SF losses and the per-prompt stat tracker. */
export {};
