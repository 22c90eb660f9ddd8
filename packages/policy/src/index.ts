/** @ddpo/policy: Diffusion policies: seeded rollouts with log-probs, classifier-free guidance, differentiable log-prob graphs. */
export {};
