/** Conversations over a collection: sessions kept per key, follow-ups, feedback on answers. */
package dev.lore.answers.chat;
