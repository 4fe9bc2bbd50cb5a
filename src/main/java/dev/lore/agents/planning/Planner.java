package dev.lore.agents.planning;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;

import dev.lore.agents.Agent;
import dev.lore.agents.AgentModel;
import dev.lore.agents.AnswerText;
import dev.lore.agents.ModelUse;
import dev.lore.agents.memory.MemoryKind;
import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.NewMemory;
import dev.lore.agents.memory.ScoredMemory;
import dev.lore.agents.memory.Weights;
import dev.lore.prompts.Prompt;
import dev.lore.prompts.Prompts;
import dev.lore.web.LoreException;
import tools.jackson.databind.JsonNode;

/**
 * Planning top-down as the paper does: the day in broad strokes, then hour blocks, then 5-15 minute actions, but only
 * for the block about to run (the rest is decomposed when its time comes, saving calls); a reaction re-plans the
 * rest of the block it falls in. Plans are remembered as plan memories.
 */
@Component
public class Planner {

    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("HH:mm");
    /** What separates a line's time from the rest: '|', a dash, a colon, a comma. */
    private static final String SEPARATOR = "^\\s*[|\\-\u2013\u2014:,]?\\s*";
    private static final Pattern RANGE_END = Pattern.compile("\\s*(?:-|\u2013|\u2014|to)\\s*");
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
        List<String> outline = model.read(dayPrompt, Map.of("name", agent.name(), "traits", agent.traits(),
                "location", agent.location(), "day", day.getDayOfWeek() + " " + day,
                "memories", context.isEmpty() ? "(nothing yet)" : context), 400, 0.7, use,
                answer -> nonEmpty(outline(answer)),
                () -> List.of(clock.toLocalTime().withMinute(0).format(HOUR) + " - go about the day as usual"));
        List<DayPlan.Item> blocks = model.read(hoursPrompt, Map.of("name", agent.name(), "traits", agent.traits(),
                "day", day.toString(), "outline", String.join("\n", outline), "location", agent.location()),
                800, 0.7, use, answer -> nonEmpty(blocks(answer, day, agent.location())),
                () -> outlineBlocks(outline, day, clock, agent.location()));
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
        return model.read(actionsPrompt, Map.of("name", agent.name(), "traits", agent.traits(),
                "start", from.format(HOUR), "end", block.end().format(HOUR), "block", block.activity(),
                "reason", reason), 600, 0.7, use,
                answer -> nonEmpty(actions(answer, from, block.end(), block.location())),
                // the agent keeps to its block
                () -> List.of(new DayPlan.Item(from, (int) Math.max(1, java.time.Duration.between(from, block.end())
                        .toMinutes()), block.activity(), block.location())));
    }

    private static <T> List<T> nonEmpty(List<T> items) {
        return items.isEmpty() ? null : items;
    }

    /**
     * Hour blocks when the model gave none that could be read: the outline's own timed items as blocks (the last
     * until midnight), else one block for the rest of the day.
     */
    static List<DayPlan.Item> outlineBlocks(List<String> outline, LocalDate day, LocalDateTime clock,
            String location) {
        List<DayPlan.Item> blocks = new ArrayList<>(blocks(String.join("\n", outline), day, location));
        if (!blocks.isEmpty()) {
            // the outline's last item lasts the rest of the day, not an hour: there is no finer plan to follow
            DayPlan.Item last = blocks.remove(blocks.size() - 1);
            blocks.add(new DayPlan.Item(last.start(), (int) java.time.Duration.between(last.start(),
                    day.plusDays(1).atStartOfDay()).toMinutes(), last.activity(), last.location()));
            return blocks;
        }
        LocalDateTime start = clock.toLocalDate().equals(day) ? clock.withMinute(0).withSecond(0).withNano(0)
                : day.atStartOfDay();
        String activity = outline.isEmpty() ? "go about the day as usual"
                : outline.get(0).replaceFirst("^[^A-Za-z]*", "");
        return List.of(new DayPlan.Item(start, (int) java.time.Duration.between(start, day.plusDays(1).atStartOfDay())
                .toMinutes(), activity, location));
    }

    /** The block running at {@code clock} on its day, else the first that has not ended, else the first. */
    static DayPlan.Item blockAboutToRun(List<DayPlan.Item> blocks, LocalDateTime clock) {
        return blocks.stream().filter(block -> block.covers(clock)).findFirst()
                .or(() -> blocks.stream().filter(block -> block.end().isAfter(clock)).findFirst())
                .orElse(blocks.get(0));
    }

    /**
     * The outline's timed items, at most twelve: from JSON ({@code items} of {@code time} and {@code activity}) or
     * from lines, each with a time (24- or 12-hour) and some words, whatever the Markdown around them.
     */
    static List<String> outline(String answer) {
        List<String> lines = new ArrayList<>();
        Optional<JsonNode> json = AnswerText.json(answer);
        if (json.isPresent()) {
            for (JsonNode item : json.get().path("items").values()) {
                Optional<LocalTime> time = AnswerText.time(item.path("time").asString(""));
                String activity = item.path("activity").asString("").strip();
                if (time.isPresent() && !activity.isEmpty()) {
                    lines.add(time.get().format(HOUR) + " - " + activity);
                }
            }
        }
        else {
            for (String line : answer.split("\\R")) {
                String item = AnswerText.plain(line);
                Optional<AnswerText.LeadingTime> time = AnswerText.leadingTime(item);
                String rest = time.map(found -> item.substring(found.end()).replaceFirst(SEPARATOR, "").strip())
                        .orElse("");
                if (time.isPresent() && rest.chars().filter(Character::isLetter).count() >= 3) {
                    lines.add(time.get().time().format(HOUR) + " - " + rest);
                }
            }
        }
        return lines.size() > 12 ? lines.subList(0, 12) : lines;
    }

    /**
     * Hour blocks, one per distinct start time on the day, each lasting until the next (the last one hour): from JSON
     * ({@code blocks} of {@code start}, {@code activity}, {@code location}) or lines of a time, the activity and the
     * place separated by '|' (or a time, a dash and the activity).
     */
    static List<DayPlan.Item> blocks(String answer, LocalDate day, String defaultLocation) {
        TreeMap<LocalDateTime, String[]> byStart = new TreeMap<>();
        Optional<JsonNode> json = AnswerText.json(answer);
        if (json.isPresent()) {
            for (JsonNode block : json.get().path("blocks").values()) {
                Optional<LocalTime> time = AnswerText.time(block.path("start").asString(""));
                String activity = block.path("activity").asString("").strip();
                String location = block.path("location").asString("").strip();
                if (time.isPresent() && !activity.isEmpty()) {
                    byStart.putIfAbsent(day.atTime(time.get()),
                            new String[] {activity, location.isEmpty() ? defaultLocation : location});
                }
            }
        }
        else {
            for (TimedLine line : timedLines(answer)) {
                String[] parts = line.parts();
                String activity = AnswerText.plain(parts[0]);
                if (activity.chars().noneMatch(Character::isLetter)) {
                    continue;
                }
                String location = parts.length > 1 && !parts[1].isBlank() ? AnswerText.plain(parts[1])
                        : defaultLocation;
                byStart.putIfAbsent(day.atTime(line.time()), new String[] {activity, location});
            }
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

    /** A line of a plan that opens with a time: the time, and the rest split at '|' (a range's end and a dash off). */
    private record TimedLine(LocalTime time, String[] parts) {
    }

    /** The lines of a plan written as text that open with a time, in order; the others are dropped. */
    private static List<TimedLine> timedLines(String answer) {
        List<TimedLine> lines = new ArrayList<>();
        for (String line : answer.split("\\R")) {
            String text = AnswerText.plain(line);
            Optional<AnswerText.LeadingTime> time = AnswerText.leadingTime(text);
            if (time.isPresent()) {
                String rest = skipRangeEnd(text.substring(time.get().end())).replaceFirst(SEPARATOR, "");
                lines.add(new TimedLine(time.get().time(), rest.split("\\|")));
            }
        }
        return lines;
    }

    /**
     * Actions from {@code from} to {@code end}: each 5-15 minutes, none overlapping the next or running past the
     * block; lines outside the block are dropped. From JSON ({@code actions} of {@code start}, {@code minutes},
     * {@code action}) or lines of a time, the minutes ({@code 10}, {@code 15 min}) and the action separated by '|'
     * (or a time, a dash and the action, which then lasts until the next).
     */
    static List<DayPlan.Item> actions(String answer, LocalDateTime from, LocalDateTime end, String location) {
        List<DayPlan.Item> parsed = new ArrayList<>();
        Optional<JsonNode> json = AnswerText.json(answer);
        if (json.isPresent()) {
            for (JsonNode action : json.get().path("actions").values()) {
                Optional<LocalTime> time = AnswerText.time(action.path("start").asString(""));
                String activity = action.path("action").asString("").strip();
                int minutes = action.path("minutes").asInt(15);
                if (time.isPresent() && !activity.isEmpty()) {
                    add(parsed, from.toLocalDate().atTime(time.get()), minutes, activity, from, end, location);
                }
            }
        }
        else {
            for (TimedLine line : timedLines(answer)) {
                String[] parts = line.parts();
                Optional<Integer> minutes = AnswerText.minutes(AnswerText.plain(parts[0]));
                String activity = AnswerText.plain(minutes.isPresent() && parts.length > 1 ? parts[1] : parts[0]);
                if (activity.chars().noneMatch(Character::isLetter)) {
                    continue;
                }
                add(parsed, from.toLocalDate().atTime(line.time()), minutes.orElse(15), activity, from, end,
                        location);
            }
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

    private static void add(List<DayPlan.Item> parsed, LocalDateTime start, int minutes, String activity,
            LocalDateTime from, LocalDateTime end, String location) {
        if (!start.isBefore(from) && start.isBefore(end)) {
            parsed.add(new DayPlan.Item(start, Math.max(5, Math.min(15, minutes)), activity, location));
        }
    }

    /** What follows a time range's end ({@code 6:00 - 7:00 AM | ...}), or the text as it is. */
    private static String skipRangeEnd(String afterStart) {
        Matcher range = RANGE_END.matcher(afterStart);
        if (range.lookingAt()) {
            Optional<AnswerText.LeadingTime> endTime = AnswerText.leadingTime(afterStart.substring(range.end()));
            if (endTime.isPresent()) {
                return afterStart.substring(range.end() + endTime.get().end());
            }
        }
        return afterStart;
    }
}
