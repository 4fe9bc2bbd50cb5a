package dev.lore.documents;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.lore.web.LoreException;

/**
 * How a collection's dense search runs: {@code full} walks an HNSW graph of whole vectors; {@code binary} and
 * {@code matryoshka:<dims>} walk a smaller graph (of {@code binary_quantize(embedding)} by Hamming distance, or of the
 * vectors' first {@code dims} dimensions) for {@code candidates} rows and re-score those with the whole vectors, in
 * the same statement. The SQL expressions live here so that the index ({@link VectorIndexes}) and the search that
 * must match it ({@code retrieval.SearchQueries}) are written once.
 *
 * @param candidates the first stage's row count, or {@code null} for Lore's default
 */
public record DenseSearch(Mode mode, int prefixDimensions, Integer candidates) {

    /** The three ways to search. */
    public enum Mode {
        FULL, BINARY, MATRYOSHKA
    }

    /** pgvector's HNSW indexes {@code vector} of at most this many dimensions. */
    public static final int MAX_INDEXED_DIMENSIONS = 2000;

    /** More first-stage rows than this scan most of a graph: an exact search would be as cheap. */
    public static final int MAX_CANDIDATES = 5000;

    public static final DenseSearch FULL = new DenseSearch(Mode.FULL, 0, null);

    private static final Pattern MATRYOSHKA = Pattern.compile("matryoshka:(\\d{1,6})");

    public DenseSearch {
        if (mode == null) {
            throw new IllegalArgumentException("mode");
        }
        if ((mode == Mode.MATRYOSHKA) != (prefixDimensions > 0)) {
            throw new IllegalArgumentException("prefix dimensions belong to matryoshka only");
        }
    }

    /** Reads a stored or requested setting ({@code full}, {@code binary}, {@code matryoshka:<dims>}); 400 otherwise. */
    public static DenseSearch parse(String text, Integer candidates) {
        String mode = text == null ? "full" : text.strip().toLowerCase(Locale.ROOT);
        if (candidates != null && (candidates < 1 || candidates > MAX_CANDIDATES)) {
            throw invalid("denseSearch.candidates must be between 1 and " + MAX_CANDIDATES + ", was " + candidates);
        }
        if (mode.equals("full")) {
            return new DenseSearch(Mode.FULL, 0, candidates);
        }
        if (mode.equals("binary")) {
            return new DenseSearch(Mode.BINARY, 0, candidates);
        }
        Matcher matryoshka = MATRYOSHKA.matcher(mode);
        if (matryoshka.matches() && Integer.parseInt(matryoshka.group(1)) > 0) {
            return new DenseSearch(Mode.MATRYOSHKA, Integer.parseInt(matryoshka.group(1)), candidates);
        }
        throw invalid("denseSearch.mode '" + text + "' is not one of full, binary, matryoshka:<dims>");
    }

    static LoreException invalid(String detail) {
        return LoreException.badRequest("invalid-dense-search", "Invalid dense search setting", detail);
    }

    /** The setting as the API shows it and the database stores it. */
    public String text() {
        return switch (mode) {
            case FULL -> "full";
            case BINARY -> "binary";
            case MATRYOSHKA -> "matryoshka:" + prefixDimensions;
        };
    }

    public boolean twoStage() {
        return mode != Mode.FULL;
    }

    /** The first stage's row count: this collection's setting, else {@code defaultCandidates}, never below {@code limit}. */
    public int candidates(int defaultCandidates, int limit) {
        return Math.max(candidates == null ? defaultCandidates : candidates, limit);
    }

    /** Whether pgvector can build this mode's HNSW index for vectors of {@code dimension}. */
    public boolean indexable(int dimension) {
        return switch (mode) {
            case FULL -> dimension <= MAX_INDEXED_DIMENSIONS;
            case BINARY -> true; // bit indexes go up to 64,000 dimensions
            case MATRYOSHKA -> prefixDimensions <= MAX_INDEXED_DIMENSIONS;
        };
    }

    /**
     * The index's expression and operator class for a collection of {@code dimension}. The casts give HNSW the
     * dimension an untyped column lacks; dense search orders by exactly this expression, or the planner cannot use it.
     */
    String indexExpression(int dimension) {
        return switch (mode) {
            case FULL -> "(" + fullVector("embedding", dimension) + ") vector_cosine_ops";
            case BINARY -> "(" + binary("embedding", dimension) + ") bit_hamming_ops";
            case MATRYOSHKA -> "(" + prefix("embedding", prefixDimensions) + ") vector_cosine_ops";
        };
    }

    /** What distinguishes this mode's index name from the others' (a changed mode gets a new index). */
    String indexSuffix() {
        return switch (mode) {
            case FULL -> "";
            case BINARY -> "_binary";
            case MATRYOSHKA -> "_m" + prefixDimensions;
        };
    }

    /**
     * The first stage's distance between {@code column} and the query {@code parameter}, for a collection of
     * {@code dimension}: for {@code full} the only stage (cosine), else the cheap one (Hamming or the prefix's
     * cosine; cosine needs no normalised prefix, as it ignores length).
     */
    public String firstStageDistance(String column, String parameter, int dimension) {
        return switch (mode) {
            case FULL -> fullVector(column, dimension) + " <=> " + parameter;
            case BINARY -> binary(column, dimension) + " <~> binary_quantize(" + parameter + ")";
            case MATRYOSHKA -> prefix(column, prefixDimensions) + " <=> subvector(" + parameter + ", 1, "
                    + prefixDimensions + ")";
        };
    }

    /** Checks that this mode suits a collection of {@code dimension} made by a model that is (or is not) Matryoshka. */
    public void checkFor(String embedder, int dimension, boolean matryoshkaModel) {
        if (mode != Mode.MATRYOSHKA) {
            return;
        }
        if (!matryoshkaModel) {
            throw invalid("denseSearch.mode '" + text() + "' needs a Matryoshka-trained embedder; " + embedder
                    + " is not marked as one (lore.models.embedding.matryoshka=true marks it)");
        }
        if (prefixDimensions >= dimension) {
            throw invalid("denseSearch.mode '" + text() + "' asks for " + prefixDimensions + " dimensions of "
                    + embedder + "'s " + dimension + "; a prefix must be shorter than the vector");
        }
        if (prefixDimensions > MAX_INDEXED_DIMENSIONS) {
            throw invalid("denseSearch.mode '" + text() + "': pgvector indexes at most " + MAX_INDEXED_DIMENSIONS
                    + " dimensions");
        }
    }

    private static String fullVector(String column, int dimension) {
        return column + "::vector(" + dimension + ")";
    }

    private static String binary(String column, int dimension) {
        return "binary_quantize(" + column + ")::bit(" + dimension + ")";
    }

    private static String prefix(String column, int dims) {
        return "subvector(" + column + ", 1, " + dims + ")::vector(" + dims + ")";
    }
}
