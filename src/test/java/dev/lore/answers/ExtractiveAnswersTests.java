package dev.lore.answers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.lore.models.Embedder;
import dev.lore.models.Reranker;
import dev.lore.retrieval.SearchHit;
import dev.lore.support.FakeEmbedder;

/**
 * How the extractive answer weighs the cross-encoder's scores, which arrive as probabilities, and, without one, a
 * sentence that states the quantity a question asks for.
 */
class ExtractiveAnswersTests {

    private static final String TEXT = "Staff earn thirteen vacation days a year. The office has a kitchen.";
    private static final String SICK_LEAVE =
            "Sick leave is paid. It takes two weeks to approve. The office has a kitchen.";

    @Test
    void crossEncoderProbabilitiesAreTakenAsTheyAreForTheMarginAndTheBestScore() {
        // 0.9 and 0.7 lie 0.2 apart, beyond the 0.15 margin; put through a second sigmoid they would lie 0.04 apart
        // and the kitchen would join an answer about vacation days
        ExtractiveAnswers extractive = new ExtractiveAnswers(null, Map.of("crossEncoderReranker",
                reranker(Map.of("vacation", 0.9, "kitchen", 0.7))), properties());
        SearchHit hit = hit("leave.md", "Leave", TEXT);

        ExtractiveAnswers.Extract extract = extractive.answer("How many vacation days do I get?", List.of(hit));

        assertThat(extract.best()).isEqualTo(0.9);
        assertThat(extract.answer()).contains("thirteen vacation days").doesNotContain("kitchen");
        assertThat(extract.scorer()).isEqualTo("cross-encoder");
    }

    @Test
    void aSentenceAQuoteAlreadyHoldsIsNotQuotedAgain() {
        Map<String, Double> scores = new java.util.LinkedHashMap<>();
        scores.put("two weeks", 0.9);
        scores.put("Sick leave", 0.85);
        scores.put("kitchen", 0.8);
        ExtractiveAnswers extractive = new ExtractiveAnswers(null, Map.of("crossEncoderReranker", reranker(scores)),
                properties());
        SearchHit hit = hit("leave.md", "Leave", SICK_LEAVE);

        ExtractiveAnswers.Extract extract = extractive.answer("How long does sick leave take?", List.of(hit));

        // "It takes…" brings the sentence it depends on; that sentence alone scores next and is held already, so
        // the third place goes to the next sentence instead of a repeat
        assertThat(extract.answer()).isEqualTo(
                "Sick leave is paid. It takes two weeks to approve. [1] The office has a kitchen. [1]");
    }

    @Test
    void aQuoteThatHoldsAnEarlierOneTakesItsPlace() {
        Map<String, Double> scores = new java.util.LinkedHashMap<>();
        scores.put("two weeks", 0.85);
        scores.put("Sick leave", 0.9);
        ExtractiveAnswers extractive = new ExtractiveAnswers(null, Map.of("crossEncoderReranker", reranker(scores)),
                properties());
        SearchHit hit = hit("leave.md", "Leave", SICK_LEAVE);

        assertThat(extractive.answer("How long does sick leave take?", List.of(hit)).answer())
                .isEqualTo("Sick leave is paid. It takes two weeks to approve. [1]");
    }

    @Test
    void aQuestionThatAsksHowLongPutsTheSentenceThatStatesADurationFirst() {
        // the question shares as many words with the sentence about emailing the form as with the one that answers
        SearchHit hit = hit("travel.md", "Travel",
                "Email the form to the travel team. The travel team will open your account within ten business days.");
        ExtractiveAnswers extractive = new ExtractiveAnswers(sameVectorForEveryText(), Map.of(), properties());

        ExtractiveAnswers.Extract asked = extractive.answer(
                "I email the form to the travel team. How long until they open my account?", List.of(hit));
        ExtractiveAnswers.Extract notAsked = extractive.answer(
                "I email the form to the travel team. Who reads the form?", List.of(hit));

        assertThat(asked.answer()).startsWith("The travel team will open your account within ten business days.");
        assertThat(notAsked.answer()).startsWith("Email the form to the travel team.");
    }

    @Test
    void quantitiesAreAskedAndStatedInTheWaysEmployeesAndHandbooksWriteThem() {
        assertThat(List.of("How long does approval take?", "how many days can I telework", "Is there a fee?",
                "what's the maximum I can claim", "How often do we meet?")).allMatch(Quantities::asked);
        assertThat(List.of("Who approves my leave?", "Where do I send the form?", "Can I bring my dog?"))
                .noneMatch(Quantities::asked);
        assertThat(List.of("Allow 10 business days.", "The fee is $35.", "Meet weekly.", "Up to 80 hours a year.",
                "Hold half-hour check-ins.", "It takes two to three weeks.", "Cover 25.5 hours.", "Use 80% of it."))
                .allMatch(Quantities::stated);
        assertThat(List.of("Send the form to your supervisor.", "Form 3 is required.", "Use the SF-50."))
                .noneMatch(Quantities::stated);
    }

    @Test
    void aFigureIsAskedForOnlyWhenEveryQuestionWordAsksForOne() {
        Map<String, Quantities.Figure> asked = Map.of(
                "just got back from a site visit. how long do i have to file my voucher?", Quantities.Figure.DURATION,
                "How far in advance do I need to get international travel approved?", Quantities.Figure.DURATION,
                "how often should I meet 1:1 with my reports, and for how long?", Quantities.Figure.FREQUENCY,
                "How many hours am I expected to bill?", Quantities.Figure.COUNT,
                "How much non-billable time do we get?", Quantities.Figure.COUNT,
                "FEGLI basic life insurance — how much per paycheck?", Quantities.Figure.MONEY,
                "What percent of my premium does the government pay?", Quantities.Figure.PERCENT,
                "What's the nightly hotel limit for San Francisco?", Quantities.Figure.AMOUNT,
                "What’s the most I can put into an FSA this year?", Quantities.Figure.AMOUNT);
        asked.forEach((question, figure) -> assertThat(Quantities.figureAsked(question)).as(question).contains(figure));
        // a yes-or-no question, a question for something else, or a figure beside another ask
        assertThat(List.of("Is there a fee if I call AdTrav?", "Does it cost anything to add guests?",
                "Who approves my leave?", "How far ahead do I submit it, and what do I name the trip?",
                "Where do I send the form, and how long do I have?", "What is the best way to reach IT?"))
                .allSatisfy(question -> assertThat(Quantities.figureAsked(question)).as(question).isEmpty());
    }

    @Test
    void eachKindOfFigureIsStatedOnlyBySentencesThatStateOneOfItsKind() {
        record Case(Quantities.Figure figure, String text, boolean states) {
        }
        List<Case> cases = List.of(
                new Case(Quantities.Figure.DURATION, "Allow 10 business days for setup.", true),
                new Case(Quantities.Figure.DURATION, "It takes 2.5-3 months.", true),
                new Case(Quantities.Figure.DURATION, "Hold half-hour 1:1s.", true),
                new Case(Quantities.Figure.DURATION, "Submit it to your supervisor early.", false),
                new Case(Quantities.Figure.FREQUENCY, "Change it every 90 days.", true),
                new Case(Quantities.Figure.PERCENT, "Up to 2.1% of adjusted basic pay.", true),
                new Case(Quantities.Figure.PERCENT, "A percentage of each paycheck is withheld.", false),
                new Case(Quantities.Figure.MONEY, "The fee is $35.", true),
                new Case(Quantities.Figure.MONEY, "Guests do not cost any money to add.", true),
                new Case(Quantities.Figure.MONEY, "Mileage is reimbursed at the POV rates.", false),
                new Case(Quantities.Figure.AMOUNT, "Pick a hotel under the Per Diem limit ($XXX.00).", false),
                new Case(Quantities.Figure.AMOUNT, "There are three kinds of FSA; re-enroll annually.", false),
                new Case(Quantities.Figure.AMOUNT, "The limit is 100 participants.", true));
        cases.forEach(c -> assertThat(c.figure().statedIn(c.text())).as(c.figure() + ": " + c.text())
                .isEqualTo(c.states()));
    }

    @Test
    void aFigureStatedOfSomethingTheQuestionDoesNotNameLeavesTheFigureUnstated() {
        ExtractiveAnswers extractive = new ExtractiveAnswers(sameVectorForEveryText(), Map.of(), properties());
        SearchHit details = hit("details.md", "Details", "Average time to process a detail: 2.5-3 months.");
        SearchHit clearance = hit("security.md", "Background investigations", "Expect about 3 months.");
        SearchHit probation = hit("hiring.md", "Hiring", "Probation lasts one year.");
        String investigation = "How long does the background investigation usually take?";

        // a duration, but of a detail: nothing in the sentence or its page is what the question asks about
        assertThat(extractive.answer(investigation, List.of(details)).unstated()).isEqualTo(Quantities.Figure.DURATION);
        // the page's title names it, though the sentence does not
        assertThat(extractive.answer(investigation, List.of(clearance)).unstated()).isNull();
        assertThat(extractive.answer("How long does it take to process a detail?", List.of(details)).unstated())
                .isNull();
        // a word that starts another is one with it
        assertThat(extractive.answer("How long is the probationary period?", List.of(probation)).unstated())
                .isNull();
        // a follow-up names its subject in the turns before it; a question of asking words alone is not held to one
        assertThat(extractive.answer("How long does it usually take?", "Who runs background investigations?",
                List.of(details)).unstated()).isEqualTo(Quantities.Figure.DURATION);
        assertThat(extractive.answer("How long does it usually take?", List.of(details)).unstated()).isNull();
        // the words that ask, hedge or are left of a contraction are not what the figure is of
        assertThat(Quantities.subject("What's the nightly hotel limit for San Francisco?"))
                .contains("nightly", "hotel").doesNotContain("limit", "s", "what");
        assertThat(Quantities.subject("How many days do I usually get for jury duty?"))
                .containsExactlyInAnyOrder("jury", "duty");
        assertThat(Quantities.subject("How long does it take?")).isEmpty();
        assertThat(Quantities.subject("How often should I meet 1:1 with my reports?")).contains("1", "meet");
        assertThat(ExtractiveAnswers.alike("meet", "meeting")).isTrue();
        assertThat(ExtractiveAnswers.alike("probationary", "probation")).isTrue();
        assertThat(ExtractiveAnswers.alike("reimbursable", "reimbursement")).as("six letters alike").isTrue();
        assertThat(ExtractiveAnswers.alike("day", "days")).isFalse();
        assertThat(ExtractiveAnswers.alike("detail", "investigation")).isFalse();
    }

    /** A hit of {@code source}, titled {@code title}, without headings, holding {@code text}. */
    private static SearchHit hit(String source, String title, String text) {
        return new SearchHit(UUID.randomUUID(), UUID.randomUUID(), source, title, null, text, 1, Map.of(), Map.of());
    }

    /** An embedder with no opinion: every text the same vector, so words alone decide. */
    private static Embedder sameVectorForEveryText() {
        return FakeEmbedder.of("flat", 2, text -> new float[] { 1, 0 });
    }

    private static Reranker reranker(Map<String, Double> scoreByWord) {
        return new Reranker() {
            @Override
            public String name() {
                return "cross-encoder:test";
            }

            @Override
            public List<Double> score(String query, List<String> passages) {
                return passages.stream().map(passage -> scoreByWord.entrySet().stream()
                        .filter(entry -> passage.contains(entry.getKey())).mapToDouble(Map.Entry::getValue)
                        .findFirst().orElse(0.0)).toList();
            }
        };
    }

    private static AnswersProperties properties() {
        return new AnswersProperties(6, 4096, 512, 256, 0.41, 0.26, 0, 0, true, "The documents do not cover this.", 3,
                5, 20, 16, 3, 1, new AnswersProperties.Flare(0.5, 0.4, "masked", 64, 6, 3, 3, 12));
    }
}
