/** Prompt templates as files: {@code prompts/*.st}, overridable from {@code lore.prompts.dir}. */
package dev.lore.prompts;
