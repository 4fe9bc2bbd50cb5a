package dev.lore.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Chooses the refusal rule from labelled questions by cross-validation, so that the figures reported are measured on
 * questions the choice was not made on. A question's support is {@code dense - weight * (1 - terms)}; for each
 * weight, a fold's threshold is the highest that refuses at most {@code maxAnswerableRefused} of the other folds'
 * answerable questions; the weight kept is the one whose held-out refusals catch the most unanswerable questions.
 */
final class RefusalCalibration {

    /** One labelled question's signals. */
    record Signals(String set, String id, double dense, double terms, boolean unanswerable) {

        double support(double weight) {
            return dense - weight * (1 - terms);
        }
    }

    /** What cross-validation measured for one weight, and the threshold chosen on all questions. */
    record Result(double weight, double threshold, int answerable, int answerableRefused, int unanswerable,
            int unanswerableRefused) {

        double refusalRecall() {
            return unanswerable == 0 ? 0 : (double) unanswerableRefused / unanswerable;
        }

        double refusalPrecision() {
            int refused = answerableRefused + unanswerableRefused;
            return refused == 0 ? 1 : (double) unanswerableRefused / refused;
        }
    }

    private RefusalCalibration() {
    }

    static double threshold(List<Signals> training, double weight, double maxAnswerableRefused) {
        List<Double> answerable = new ArrayList<>();
        training.stream().filter(s -> !s.unanswerable()).forEach(s -> answerable.add(s.support(weight)));
        Collections.sort(answerable);
        int allowed = (int) Math.floor(maxAnswerableRefused * answerable.size());
        // refuse below the (allowed+1)-th lowest answerable support: at most 'allowed' answerable fall below it
        return answerable.isEmpty() ? 0 : answerable.get(Math.min(allowed, answerable.size() - 1)) - 1e-6;
    }

    static Result crossValidate(List<Signals> all, double weight, double maxAnswerableRefused, int folds, long seed) {
        List<Signals> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, new Random(seed));
        int answerable = 0;
        int answerableRefused = 0;
        int unanswerable = 0;
        int unanswerableRefused = 0;
        for (int fold = 0; fold < folds; fold++) {
            List<Signals> training = new ArrayList<>();
            List<Signals> held = new ArrayList<>();
            for (int i = 0; i < shuffled.size(); i++) {
                (i % folds == fold ? held : training).add(shuffled.get(i));
            }
            double threshold = threshold(training, weight, maxAnswerableRefused);
            for (Signals s : held) {
                boolean refused = s.support(weight) < threshold;
                if (s.unanswerable()) {
                    unanswerable++;
                    unanswerableRefused += refused ? 1 : 0;
                }
                else {
                    answerable++;
                    answerableRefused += refused ? 1 : 0;
                }
            }
        }
        return new Result(weight, threshold(all, weight, maxAnswerableRefused), answerable, answerableRefused,
                unanswerable, unanswerableRefused);
    }

    /** A 95% Wilson interval for {@code k} of {@code n}, as "[lo, hi]". */
    static String wilson(int k, int n) {
        if (n == 0) {
            return "-";
        }
        double z = 1.96;
        double p = (double) k / n;
        double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
        double half = z * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / (1 + z * z / n);
        return String.format(Locale.ROOT, "[%.2f, %.2f]", Math.max(0, centre - half), Math.min(1, centre + half));
    }
}
