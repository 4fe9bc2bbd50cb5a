package dev.lore.agents.planning;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Reading plans as small models write them (a preamble, Markdown, 12-hour times and ranges, "15 min") and as a
 * schema-held backend writes them (JSON), and the fallback when nothing can be read.
 */
class PlanReadingTests {

    private static final LocalDate DAY = LocalDate.parse("2026-02-13");

    @Test
    void outlinesReadTwelveHourTimesUnderMarkdownAndSkipThePreamble() {
        assertThat(Planner.outline("""
                Here's Alice's day:

                - **6:00 AM** - Wake up and stretch
                - **12:30 PM**: Lunch at Hobbs Cafe
                * 9 pm - go to bed
                Have a nice day!""")).containsExactly("06:00 - Wake up and stretch", "12:30 - Lunch at Hobbs Cafe",
                "21:00 - go to bed");
        assertThat(Planner.outline("""
                {"items":[{"time":"07:00","activity":"wake up"},{"time":"7 pm","activity":"dinner"}]}"""))
                .containsExactly("07:00 - wake up", "19:00 - dinner");
        assertThat(Planner.outline("I'm sorry, but I can't help with that request.")).isEmpty();
    }

    @Test
    void hourBlocksReadTheIssuesExampleRangesAndJson() {
        List<DayPlan.Item> blocks = Planner.blocks("""
                Here you go:

                - **6:00 AM** | Brew coffee | Home
                - **7:00 AM - 8:00 AM** | Walk the dog
                - 8:00 AM: Open the cafe""", DAY, "Town");
        assertThat(blocks).extracting(DayPlan.Item::activity).containsExactly("Brew coffee", "Walk the dog",
                "Open the cafe");
        assertThat(blocks).extracting(DayPlan.Item::location).containsExactly("Home", "Town", "Town");
        assertThat(blocks.get(1).start()).isEqualTo(DAY.atTime(7, 0));

        List<DayPlan.Item> json = Planner.blocks("""
                {"blocks":[{"start":"09:00","activity":"read","location":"Library"}]}""", DAY, "Town");
        assertThat(json).containsExactly(new DayPlan.Item(DAY.atTime(9, 0), 60, "read", "Library"));
    }

    @Test
    void actionsReadMinutesWithUnitsAndLastUntilTheNextWithout() {
        LocalDateTime from = DAY.atTime(8, 0);
        List<DayPlan.Item> actions = Planner.actions("""
                Of course! Here are the steps:
                1. 8:00 AM | 15 min | Put on the kettle
                2. **8:15 AM** | 10 minutes | Drink tea
                3. 8:25 AM - Read the paper""", from, DAY.atTime(9, 0), "Home");
        assertThat(actions).extracting(DayPlan.Item::minutes).containsExactly(15, 10, 15);
        assertThat(actions).extracting(DayPlan.Item::activity).containsExactly("Put on the kettle", "Drink tea",
                "Read the paper");

        assertThat(Planner.actions("""
                {"actions":[{"start":"08:00","minutes":10,"action":"stretch"}]}""", from, DAY.atTime(9, 0), "Home"))
                .containsExactly(new DayPlan.Item(from, 10, "stretch", "Home"));
    }

    @Test
    void aFallbackDayKeepsTheOutlinesTimesAndItsLastItemLastsUntilMidnight() {
        List<DayPlan.Item> blocks = Planner.outlineBlocks(List.of("08:00 - work", "20:00 - rest"), DAY,
                DAY.atTime(7, 0), "Home");
        assertThat(blocks).containsExactly(new DayPlan.Item(DAY.atTime(8, 0), 720, "work", "Home"),
                new DayPlan.Item(DAY.atTime(20, 0), 240, "rest", "Home"));
        assertThat(Planner.outlineBlocks(List.of(), DAY, DAY.atTime(7, 30), "Home"))
                .containsExactly(new DayPlan.Item(DAY.atTime(7, 0), 17 * 60, "go about the day as usual", "Home"));
    }
}
