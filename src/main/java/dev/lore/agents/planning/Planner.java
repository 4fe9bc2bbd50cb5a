package dev.lore.agents.planning;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;

import dev.lore.agents.Agent;
import dev.lore.agents.AgentModel;
import dev.lore.agents.ModelUse;
import dev.lore.agents.memory.MemoryKind;
import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.NewMemory;
import dev.lore.agents.memory.ScoredMemory;
import dev.lore.agents.memory.Weights;
import dev.lore.prompts.Prompt;
import dev.lore.prompts.Prompts;
import dev.lore.web.LoreException;

/**
 * Planning top-down as the paper does: the day in broad strokes, then hour blocks, then 5-15 minute actions, but only
 * for the block about to run (the rest is decomposed when its time comes, saving calls); a reaction re-plans the
 * rest of the block it falls in. Plans are remembered as plan memories.
 */
@Component
public class Planner {

    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("HH:mm");
    private static final Pattern LIST_MARK = Pattern.compile("^\\s*(?:[-*]|\\d+[.)](?!\\d))\\s*");
    private static final Pattern TIME = Pattern.compile("^\\s*(\\d{1,2})[:.](\\d{2})\\s*(am|pm|AM|PM)?\\s*$");
    private static final int CONTEXT_MEMORIES = 10;

    private final MemoryStream memories;
    private final AgentModel model;
    private final Prompt dayPrompt;
    private final Prompt hoursPrompt;
    private final Prompt actionsPrompt;

    Planner(MemoryStream memories, AgentModel model, Prompts prompts) {
        this.memories = memories;
        this.model = model;
        this.dayPrompt = prompts.require("agent-plan-day", "name", "traits", "location", "day", "memories");
        this.hoursPrompt = prompts.require("agent-plan-hours", "name", "traits", "day", "outline", "location");
        this.actionsPrompt = prompts.require("agent-plan-actions", "name", "traits", "start", "end", "block",
                "reason");
    }

    /** Plans {@code day} from scratch at simulation time {@code clock}: three generator calls and one rating. */
    public DayPlan plan(Agent agent, LocalDate day, LocalDateTime clock, Weights weights, ModelUse use) {
        String context = memories.retrieve(agent.id(), agent.name() + "'s plans and commitments for " + day,
                CONTEXT_MEMORIES, clock, weights).stream().map(ScoredMemory::memory)
                .map(memory -> "- " + memory.text()).collect(Collectors.joining("\n"));
        String dayAnswer = model.generate(dayPrompt, Map.of("name", agent.name(), "traits", agent.traits(),
                "location", agent.location(), "day", day.getDayOfWeek() + " " + day,
                "memories", context.isEmpty() ? "(nothing yet)" : context), 400, 0.7, use);
        List<String> outline = outline(dayAnswer);
        if (outline.isEmpty()) {
            throw model.unreadable("day plan", dayAnswer);
        }
        String hoursAnswer = model.generate(hoursPrompt, Map.of("name", agent.name(), "traits", agent.traits(),
                "day", day.toString(), "outline", String.join("\n", outline), "location", agent.location()),
                800, 0.7, use);
        List<DayPlan.Item> blocks = blocks(hoursAnswer, day, agent.location());
        if (blocks.isEmpty()) {
            throw model.unreadable("hour blocks", hoursAnswer);
        }
        DayPlan.Item next = blockAboutToRun(blocks, clock);
        List<DayPlan.Item> actions = decompose(agent, next, next.start(), "", use);
        DayPlan plan = new DayPlan(day, outline, blocks, next.start(), actions);
        memories.add(agent.id(), List.of(NewMemory.of(MemoryKind.PLAN,
                agent.name() + "'s plan for " + day.getDayOfWeek() + " " + day + ": " + String.join("; ", outline),
                clock)), use);
        return plan;
    }

    /**
     * Re-plans after a reaction at {@code at}: what was planned in the block before {@code at} stays, the rest of
     * that block is replaced by new actions that take the reaction into account. One generator call and one rating.
     */
    public DayPlan replan(Agent agent, DayPlan plan, LocalDateTime at, String reaction, ModelUse use) {
        DayPlan.Item block = plan.blocks().stream().filter(candidate -> candidate.covers(at)).findFirst()
                .orElseThrow(() -> LoreException.invalid("at " + at + " falls in no block of the plan for "
                        + plan.day()));
        List<DayPlan.Item> kept = new ArrayList<>();
        if (block.start().equals(plan.decomposed())) {
            for (DayPlan.Item action : plan.actions()) {
                if (action.start().isBefore(at)) {
                    int minutes = (int) Math.min(action.minutes(),
                            java.time.Duration.between(action.start(), at).toMinutes());
                    kept.add(new DayPlan.Item(action.start(), minutes, action.activity(), action.location()));
                }
            }
        }
        else if (at.isAfter(block.start())) {
            kept.add(new DayPlan.Item(block.start(), (int) java.time.Duration.between(block.start(), at).toMinutes(),
                    block.activity(), block.location()));
        }
        String reason = "At " + at.format(HOUR) + " this happened: " + reaction + "\n" + agent.name()
                + " changes the plan for the rest of this time to react to it.";
        List<DayPlan.Item> actions = new ArrayList<>(kept);
        actions.addAll(decompose(agent, block, at, reason, use));
        memories.add(agent.id(), List.of(NewMemory.of(MemoryKind.PLAN, "At " + at.format(HOUR) + " "
                + agent.name() + " changed plans because " + reaction + "; next: " + actions.get(kept.size())
                .activity(), at)), use);
        return new DayPlan(plan.day(), plan.outline(), plan.blocks(), block.start(), actions);
    }

    /**
     * The plan with the hour block running at {@code at} broken into 5-15 minute actions: one generator call when
     * the block has just begun (it is not the one decomposed so far), none otherwise or outside every block.
     */
    public DayPlan decomposeRunning(Agent agent, DayPlan plan, LocalDateTime at, ModelUse use) {
        DayPlan.Item block = plan.blocks().stream().filter(candidate -> candidate.covers(at)).findFirst()
                .orElse(null);
        if (block == null || block.start().equals(plan.decomposed())) {
            return plan;
        }
        return new DayPlan(plan.day(), plan.outline(), plan.blocks(), block.start(),
                decompose(agent, block, block.start(), "", use));
    }

    private List<DayPlan.Item> decompose(Agent agent, DayPlan.Item block, LocalDateTime from, String reason,
            ModelUse use) {
        String answer = model.generate(actionsPrompt, Map.of("name", agent.name(), "traits", agent.traits(),
                "start", from.format(HOUR), "end", block.end().format(HOUR), "block", block.activity(),
                "reason", reason), 600, 0.7, use);
        List<DayPlan.Item> actions = actions(answer, from, block.end(), block.location());
        if (actions.isEmpty()) {
            throw model.unreadable("5-15 minute actions", answer);
        }
        return actions;
    }

    /** The block running at {@code clock} on its day, else the first that has not ended, else the first. */
    static DayPlan.Item blockAboutToRun(List<DayPlan.Item> blocks, LocalDateTime clock) {
        return blocks.stream().filter(block -> block.covers(clock)).findFirst()
                .or(() -> blocks.stream().filter(block -> block.end().isAfter(clock)).findFirst())
                .orElse(blocks.get(0));
    }

    static List<String> outline(String answer) {
        List<String> lines = new ArrayList<>();
        for (String line : answer.split("\\R")) {
            String item = LIST_MARK.matcher(line).replaceFirst("").strip();
            if (item.matches(".*\\d{1,2}[:.]\\d{2}.*") && item.chars().filter(Character::isLetter).count() >= 3) {
                lines.add(item);
            }
        }
        return lines.size() > 12 ? lines.subList(0, 12) : lines;
    }

    /** Hour blocks, one per distinct start time on the day, each lasting until the next (the last one hour). */
    static List<DayPlan.Item> blocks(String answer, LocalDate day, String defaultLocation) {
        TreeMap<LocalDateTime, String[]> byStart = new TreeMap<>();
        for (String line : answer.split("\\R")) {
            String[] parts = LIST_MARK.matcher(line).replaceFirst("").split("\\|");
            if (parts.length < 2) {
                continue;
            }
            LocalTime time = time(parts[0]);
            String activity = parts[1].strip();
            if (time == null || activity.isEmpty()) {
                continue;
            }
            String location = parts.length > 2 && !parts[2].isBlank() ? parts[2].strip() : defaultLocation;
            byStart.putIfAbsent(day.atTime(time), new String[] {activity, location});
        }
        List<DayPlan.Item> blocks = new ArrayList<>();
        List<LocalDateTime> starts = new ArrayList<>(byStart.keySet());
        for (int i = 0; i < starts.size(); i++) {
            LocalDateTime start = starts.get(i);
            long minutes = i + 1 < starts.size() ? java.time.Duration.between(start, starts.get(i + 1)).toMinutes()
                    : Math.min(60, java.time.Duration.between(start, day.plusDays(1).atStartOfDay()).toMinutes());
            String[] value = byStart.get(start);
            blocks.add(new DayPlan.Item(start, (int) minutes, value[0], value[1]));
        }
        return blocks;
    }

    /**
     * Actions from {@code from} to {@code end}: each 5-15 minutes, none overlapping the next or running past the
     * block; lines outside the block or without a duration are dropped.
     */
    static List<DayPlan.Item> actions(String answer, LocalDateTime from, LocalDateTime end, String location) {
        List<DayPlan.Item> parsed = new ArrayList<>();
        for (String line : answer.split("\\R")) {
            String[] parts = LIST_MARK.matcher(line).replaceFirst("").split("\\|");
            if (parts.length < 3) {
                continue;
            }
            LocalTime time = time(parts[0]);
            String activity = parts[2].strip();
            Integer minutes = integer(parts[1].replaceAll("(?i)min(ute)?s?", ""));
            if (time == null || minutes == null || activity.isEmpty()) {
                continue;
            }
            LocalDateTime start = from.toLocalDate().atTime(time);
            if (start.isBefore(from) || !start.isBefore(end)) {
                continue;
            }
            parsed.add(new DayPlan.Item(start, Math.max(5, Math.min(15, minutes)), activity, location));
        }
        parsed.sort(Comparator.comparing(DayPlan.Item::start));
        List<DayPlan.Item> actions = new ArrayList<>();
        for (int i = 0; i < parsed.size(); i++) {
            DayPlan.Item action = parsed.get(i);
            LocalDateTime limit = i + 1 < parsed.size() ? parsed.get(i + 1).start() : end;
            if (limit.isAfter(end)) {
                limit = end;
            }
            int minutes = (int) Math.min(action.minutes(), java.time.Duration.between(action.start(), limit)
                    .toMinutes());
            if (minutes >= 1) {
                actions.add(new DayPlan.Item(action.start(), minutes, action.activity(), action.location()));
            }
        }
        return actions;
    }

    private static LocalTime time(String text) {
        Matcher matcher = TIME.matcher(text);
        if (!matcher.matches()) {
            return null;
        }
        int hour = Integer.parseInt(matcher.group(1));
        int minute = Integer.parseInt(matcher.group(2));
        String half = matcher.group(3);
        if (half != null) {
            if (hour < 1 || hour > 12) {
                return null;
            }
            hour = hour % 12 + (half.equalsIgnoreCase("pm") ? 12 : 0);
        }
        return hour <= 23 && minute <= 59 ? LocalTime.of(hour, minute) : null;
    }

    private static Integer integer(String text) {
        try {
            return Integer.parseInt(text.strip());
        }
        catch (NumberFormatException e) {
            return null;
        }
    }
}
