/**
 * Text as a reader sees it: sentence segmentation shared by chunking, extractive answers, citation quotes and
 * attribution, so that every part of Lore agrees on where a sentence starts and ends.
 */
package dev.lore.text;
