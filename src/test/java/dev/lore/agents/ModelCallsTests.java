package dev.lore.agents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.lore.models.Completion;
import dev.lore.models.Embedder;
import dev.lore.models.FinishReason;
import dev.lore.models.Generation;
import dev.lore.models.Usage;
import dev.lore.support.FakeEmbedder;

/** The journal that keeps model calls out of transactions: each call made once, between passes, never inside one. */
class ModelCallsTests {

    private final AtomicInteger made = new AtomicInteger();

    @Test
    void withoutAJournalACallGoesStraightToTheModel() {
        assertThat(ModelCalls.call("generate plan", answer("a plan"))).extracting(ModelCallsTests::text)
                .isEqualTo("a plan");
        assertThat(made).hasValue(1);
    }

    @Test
    void aPassStopsAtTheFirstCallNotMadeAndTheLastPassAnswersEveryCallFromTheJournal() {
        ModelCalls.Journal journal = new ModelCalls.Journal();
        List<String> seen = new ArrayList<>();
        Supplier<String> work = () -> {
            String day = text(ModelCalls.call("generate day", answer("the day")));
            String hours = text(ModelCalls.call("generate hours", answer("the hours of " + day)));
            seen.add(hours);
            return hours;
        };

        String result = run(journal, work);

        assertThat(result).isEqualTo("the hours of the day");
        assertThat(made).as("each call made once").hasValue(2);
        assertThat(seen).as("only the last pass got past every call").containsExactly("the hours of the day");
        assertThat(journal.spent().calls()).isEqualTo(2);
        assertThat(journal.spent().total().promptTokens()).isEqualTo(20);
    }

    @Test
    void aPassThatTakesAnotherWayDropsTheAnswersOfTheOldOne() {
        ModelCalls.Journal journal = new ModelCalls.Journal();
        AtomicInteger passes = new AtomicInteger();
        // the second call differs after the pass that first reached it, as if what a read found had changed
        Supplier<String> work = () -> {
            String first = text(ModelCalls.call("generate decide", answer("TALK")));
            String site = passes.incrementAndGet() == 1 ? "generate converse" : "generate replan";
            return first + " then " + text(ModelCalls.call(site, answer(site)));
        };

        assertThat(run(journal, work)).isEqualTo("TALK then generate replan");
        assertThat(made).hasValue(3);
        assertThat(journal.spent().calls()).as("the dropped answer was paid for too").isEqualTo(3);
    }

    @Test
    void vectorsAreEmbeddedOncePerTextAcrossPasses() {
        ModelCalls.Journal journal = new ModelCalls.Journal();
        AtomicInteger embedded = new AtomicInteger();
        Embedder embedder = FakeEmbedder.of("counting", 1, text -> new float[] { text.length() })
                .onCall(embedded::incrementAndGet);

        float[] vector = run(journal, () -> {
            ModelCalls.embedQuery(embedder, "who is here");
            ModelCalls.embedDocuments(embedder, List.of("Bob is at the cafe", "Ann is at the library"));
            return ModelCalls.embedQuery(embedder, "who is here");
        });

        assertThat(vector).containsExactly(11f);
        assertThat(embedded).as("one query and one batch of documents").hasValue(2);
    }

    @Test
    void aCallIsNeverMadeInsideATransaction() {
        ModelCalls.Journal journal = new ModelCalls.Journal();
        ModelCalls.Unanswered unanswered = null;
        try {
            journal.pass(() -> ModelCalls.call("generate day", answer("the day")));
        }
        catch (ModelCalls.Unanswered e) {
            unanswered = e;
        }
        assertThat(unanswered).isNotNull();
        TransactionSynchronizationManager.setActualTransactionActive(true);
        try {
            assertThatThrownBy(unanswered::call).isInstanceOf(IllegalStateException.class);
        }
        finally {
            TransactionSynchronizationManager.setActualTransactionActive(false);
        }
        assertThat(made).hasValue(0);
    }

    /** Runs {@code work} in passes, making each call a pass stops at between them, as a stepper does. */
    private static <T> T run(ModelCalls.Journal journal, Supplier<T> work) {
        for (int pass = 0; pass < 20; pass++) {
            try {
                return journal.pass(work);
            }
            catch (ModelCalls.Unanswered unanswered) {
                unanswered.call();
            }
        }
        throw new AssertionError("no pass got through");
    }

    private Supplier<Generation> answer(String text) {
        return () -> {
            made.incrementAndGet();
            return new Generation("test", List.of(new Completion(text, List.of(), FinishReason.STOP)),
                    new Usage(10, 2));
        };
    }

    private static String text(Generation generation) {
        return generation.completions().get(0).text();
    }
}
