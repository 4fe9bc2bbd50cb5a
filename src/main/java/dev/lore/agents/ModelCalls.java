package dev.lore.agents;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.lore.models.Embedder;
import dev.lore.models.Generation;

/**
 * Keeps model calls out of transactions for work that reads and writes around its calls, as an agent's turn does
 * (plan, decide, talk, reflect: a read before each call, writes after). Such work runs in passes under a
 * {@link Journal}: a pass is one short transaction that reads and writes as the work always did, and answers its
 * model calls from the journal; the first call it has no answer for stops the pass with {@link Unanswered} (its
 * transaction rolls back, handing back the connection and the row locks), the call is made with no transaction
 * open, its answer recorded, and the work runs again. The pass that needs no new call commits: every write in one
 * transaction, every call made once. Without a journal (every other caller) calls go straight to the model.
 */
public final class ModelCalls {

    private static final ThreadLocal<Journal> CURRENT = new ThreadLocal<>();

    private ModelCalls() {
    }

    /**
     * {@code call}'s answer: made now without a journal; from the journal when the pass's next recorded call is of
     * the same {@code site}; else the pass stops with {@link Unanswered}. A site is what a call does (a prompt's
     * name, a rating's texts): a pass repeats its predecessor's calls in order, and what a read shows in a prompt may
     * differ between passes only in what the model would not tell apart (ties ranked by a new memory's id).
     */
    @SuppressWarnings("unchecked")
    public static <T> T call(String site, Supplier<T> call) {
        Journal journal = CURRENT.get();
        if (journal == null) {
            return call.get();
        }
        if (journal.next < journal.answers.size() && journal.answers.get(journal.next).site().equals(site)) {
            return (T) journal.answers.get(journal.next++).answer();
        }
        // a pass that took another way than the last: the answers after this point were for that way
        journal.answers.subList(journal.next, journal.answers.size()).clear();
        throw new Unanswered(site, () -> {
            T answer = call.get();
            if (answer instanceof Generation generation) {
                journal.spent.record(generation);
            }
            journal.answers.add(new Answer(site, answer));
        });
    }

    /** Whether this thread runs a pass of a journal, whose effects count only once its last pass commits. */
    public static boolean inPass() {
        return CURRENT.get() != null;
    }

    /** The query's vector, embedded once per journal (a text's vector does not change between passes). */
    public static float[] embedQuery(Embedder embedder, String text) {
        Journal journal = CURRENT.get();
        if (journal == null) {
            return embedder.embedQuery(text);
        }
        float[] vector = journal.vectors.get("query\n" + text);
        if (vector != null) {
            return vector;
        }
        throw new Unanswered("embed query", () -> journal.vectors.put("query\n" + text, embedder.embedQuery(text)));
    }

    /** The documents' vectors, embedded once per journal. */
    public static List<float[]> embedDocuments(Embedder embedder, List<String> texts) {
        Journal journal = CURRENT.get();
        if (journal == null) {
            return embedder.embedDocuments(texts);
        }
        List<float[]> vectors = new ArrayList<>(texts.size());
        for (String text : texts) {
            float[] vector = journal.vectors.get("document\n" + text);
            if (vector == null) {
                throw new Unanswered("embed documents", () -> {
                    List<float[]> embedded = embedder.embedDocuments(texts);
                    for (int i = 0; i < texts.size(); i++) {
                        journal.vectors.put("document\n" + texts.get(i), embedded.get(i));
                    }
                });
            }
            vectors.add(vector);
        }
        return vectors;
    }

    private record Answer(String site, Object answer) {
    }

    /** The answers of one piece of work's model calls, kept across its passes. */
    public static final class Journal {

        private final List<Answer> answers = new ArrayList<>();
        private final Map<String, float[]> vectors = new HashMap<>();
        private final ModelUse spent = new ModelUse();
        private int next;

        /**
         * Runs one pass of {@code work} (which opens its transaction) with this journal answering its calls; throws
         * {@link Unanswered} when the pass reached a call not made yet.
         */
        public <T> T pass(Supplier<T> work) {
            if (CURRENT.get() != null) {
                throw new IllegalStateException("a pass is already running on this thread");
            }
            next = 0;
            CURRENT.set(this);
            try {
                return work.get();
            }
            finally {
                CURRENT.remove();
            }
        }

        /** What the calls made for this journal cost, each once, including those a later pass did not use. */
        public ModelUse spent() {
            return spent;
        }
    }

    /** A pass reached a model call that has not been made; {@link #call()} makes it, outside any transaction. */
    public static final class Unanswered extends RuntimeException {

        private final transient Runnable call;

        Unanswered(String site, Runnable call) {
            super("model call not made yet: " + site, null, false, false);
            this.call = call;
        }

        /** Makes the call and records its answer in the journal; refused inside a transaction. */
        public void call() {
            if (TransactionSynchronizationManager.isActualTransactionActive()) {
                throw new IllegalStateException("a model call is about to be made inside a transaction");
            }
            call.run();
        }
    }
}
