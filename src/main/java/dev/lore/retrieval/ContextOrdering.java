package dev.lore.retrieval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Orders passages for a generator's context so the strongest sit at the start and the end, where models use them
 * best, and the weakest in the middle ("Lost in the Middle", Liu et al. 2023).
 */
public final class ContextOrdering {

    private ContextOrdering() {
    }

    /**
     * Takes passages best first and deals them alternately to the front and the back: ranks 1, 3, 5, ... from the
     * start, ranks 2, 4, 6, ... from the end.
     */
    public static <T> List<T> lostInTheMiddle(List<T> bestFirst) {
        Object[] ordered = new Object[bestFirst.size()];
        int front = 0;
        int back = ordered.length - 1;
        for (int rank = 0; rank < bestFirst.size(); rank++) {
            if (rank % 2 == 0) {
                ordered[front++] = bestFirst.get(rank);
            }
            else {
                ordered[back--] = bestFirst.get(rank);
            }
        }
        @SuppressWarnings("unchecked")
        List<T> result = (List<T>) new ArrayList<>(Arrays.asList(ordered));
        return result;
    }
}
