/** @ddpo/rwr: Reward-weighted regression (RWR) and sparse RWR, the DDPO paper baseline. */
export {};
