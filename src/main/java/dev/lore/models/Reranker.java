package dev.lore.models;

import java.util.List;

/** Scores passages for their relevance to a query; higher is more relevant, one score per passage in order. */
public interface Reranker {

    String name();

    List<Double> score(String query, List<String> passages);
}
