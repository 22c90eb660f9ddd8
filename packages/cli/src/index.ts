/** @ddpo/cli: The ddpo command: pretrain, sample, train, compare, export, report. */
export {};
