package dev.lore.retrieval.evaluation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.lore.retrieval.RerankMode;
import dev.lore.retrieval.Retriever;
import dev.lore.web.LoreException;
import dev.lore.retrieval.SearchFilter;
import dev.lore.retrieval.SearchHit;
import dev.lore.retrieval.SearchRequest;

/**
 * Runs labelled questions through each search configuration, exactly as {@code /api/v1/search} would, and scores the
 * document rankings (each document at the rank of its best chunk) with nDCG@10, Recall@10/100 and MRR@10.
 */
@Component
public class Evaluator {

    private static final Logger log = LoggerFactory.getLogger(Evaluator.class);
    private static final int DEPTH = SearchRequest.MAX_TOP_K;

    private static final Set<String> UNAVAILABLE = Set.of("reranker-unavailable", "generator-unavailable");

    private final Retriever retriever;

    Evaluator(Retriever retriever) {
        this.retriever = retriever;
    }

    public EvaluationReport evaluate(String collection, List<LabelledQuestion> questions,
            List<SearchConfiguration> configurations) {
        List<EvaluationReport.Row> rows = new ArrayList<>();
        List<EvaluationReport.Unavailable> unavailable = new ArrayList<>();
        LoreException firstUnavailable = null;
        for (SearchConfiguration configuration : configurations) {
            try {
                rows.add(evaluate(collection, questions, configuration, searched -> {
                }));
            }
            catch (LoreException e) {
                // a configuration that needs a model this instance lacks is reported, and the others still run
                if (!UNAVAILABLE.contains(e.type())) {
                    throw e;
                }
                unavailable.add(new EvaluationReport.Unavailable(configuration.name(), e.getMessage()));
                firstUnavailable = firstUnavailable == null ? e : firstUnavailable;
            }
        }
        if (rows.isEmpty() && firstUnavailable != null) {
            throw firstUnavailable; // nothing could run: the request itself asks for what is missing
        }
        return new EvaluationReport(collection, questions.size(), rows, unavailable);
    }

    /** One configuration's row; {@code progress} hears after each question how many have been searched. */
    EvaluationReport.Row evaluate(String collection, List<LabelledQuestion> questions,
            SearchConfiguration configuration, IntConsumer progress) {
        double ndcg = 0;
        double recall10 = 0;
        double recall100 = 0;
        double mrr = 0;
        long[] latencies = new long[questions.size()];
        for (int i = 0; i < questions.size(); i++) {
            LabelledQuestion question = questions.get(i);
            SearchRequest request = new SearchRequest(collection, question.query(), DEPTH, configuration.mode(),
                    SearchFilter.NONE, DEPTH, false, configuration.hyde(), configuration.rerank(), DEPTH);
            long start = System.nanoTime();
            List<SearchHit> hits = retriever.search(request).results();
            latencies[i] = System.nanoTime() - start;
            List<String> ranked = documents(hits, question.relevant());
            ndcg += RetrievalMetrics.ndcgAt(10, ranked, question.relevant());
            recall10 += RetrievalMetrics.recallAt(10, ranked, question.relevant());
            recall100 += RetrievalMetrics.recallAt(100, ranked, question.relevant());
            mrr += RetrievalMetrics.mrrAt(10, ranked, question.relevant());
            progress.accept(i + 1);
        }
        int n = questions.size();
        EvaluationReport.Row row = new EvaluationReport.Row(configuration.name(),
                configuration.mode().name().toLowerCase(Locale.ROOT), configuration.hyde() != null,
                configuration.rerank().id(), round(ndcg / n), round(recall10 / n), round(recall100 / n),
                round(mrr / n), RetrievalMetrics.percentile(latencies, 50),
                RetrievalMetrics.percentile(latencies, 95));
        log.info("Evaluated {} on {} ({} questions): nDCG@10 {}", configuration.name(), collection, n,
                row.ndcgAt10());
        return row;
    }

    /**
     * Each document once, in the order of its best chunk, named the way the labels name it: by source, by source
     * without its file extension (BEIR ids), or by document id.
     */
    static List<String> documents(List<SearchHit> hits, Set<String> relevant) {
        Set<String> ranked = new LinkedHashSet<>();
        for (SearchHit hit : hits) {
            String source = hit.source();
            String stem = source.contains(".") ? source.substring(0, source.lastIndexOf('.')) : source;
            String id = hit.documentId().toString();
            ranked.add(relevant.contains(source) ? source : relevant.contains(stem) ? stem
                    : relevant.contains(id) ? id : source);
        }
        return new ArrayList<>(ranked);
    }

    private static double round(double value) {
        return Math.round(value * 10000) / 10000.0;
    }
}
