/**
 * Generative agents (Park et al. 2023): simulations with their own clock, agents with a memory stream scored as the
 * paper defines it, importance rated by the model, reflection, planning, interviews and conversations.
 */
package dev.lore.agents;
