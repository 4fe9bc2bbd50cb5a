package dev.lore.agents.planning;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * An agent's plan for a day: the outline in broad strokes, hour blocks, and the 5-15 minute actions of the one block
 * decomposed so far ({@code decomposed}, its start).
 */
public record DayPlan(LocalDate day, List<String> outline, List<Item> blocks, LocalDateTime decomposed,
        List<Item> actions) {

    /** Something to do from {@code start} for {@code minutes}, and where. */
    public record Item(LocalDateTime start, int minutes, String activity, String location) {

        public LocalDateTime end() {
            return start.plusMinutes(minutes);
        }

        boolean covers(LocalDateTime time) {
            return !time.isBefore(start) && time.isBefore(end());
        }
    }

    public DayPlan {
        outline = List.copyOf(outline);
        blocks = List.copyOf(blocks);
        actions = actions == null ? List.of() : List.copyOf(actions);
    }

    /** What the agent will do: the blocks, with the decomposed block replaced by its actions. */
    public List<Item> items() {
        List<Item> items = new ArrayList<>();
        for (Item block : blocks) {
            if (block.start().equals(decomposed)) {
                items.addAll(actions);
            }
            else {
                items.add(block);
            }
        }
        return items;
    }
}
