// A small reinforcement-learning example module (not a framework): cart-pole, MLP policies and
// REINFORCE / natural policy gradient / TRPO built on curvax's exact policy Fisher.
export * from './cartpole.js';
export * from './policy.js';
export * from './algorithms.js';
