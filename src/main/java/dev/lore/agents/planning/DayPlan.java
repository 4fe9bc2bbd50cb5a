package dev.lore.agents.planning;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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

    /**
     * What the plan has the agent doing at {@code time}: the action then, else (in a gap between actions) the hour
     * block, else nothing (before the first block or after the last).
     */
    public Optional<Item> at(LocalDateTime time) {
        return items().stream().filter(item -> item.covers(time)).findFirst()
                .or(() -> blocks.stream().filter(block -> block.covers(time)).findFirst());
    }
}
