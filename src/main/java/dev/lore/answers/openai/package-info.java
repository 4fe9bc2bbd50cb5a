/** An OpenAI-compatible facade over Lore's answers, so OpenAI clients and chat UIs can talk to the documents. */
package dev.lore.answers.openai;
