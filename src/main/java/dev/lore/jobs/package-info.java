/** Work that any instance may take from the database: claims on rows, kept alive and fenced, and the worker thread. */
package dev.lore.jobs;
