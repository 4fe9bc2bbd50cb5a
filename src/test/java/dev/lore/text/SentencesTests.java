package dev.lore.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SentencesTests {

    @Test
    void abbreviationsDoNotEndSentences() {
        assertThat(Sentences.split("Use a shared tool (e.g. Google Drive) for files. The U.S. Government pays "
                + "Dr. Smith, i.e. The Contractor. Staff earn 13 days. Version 2.5 applies.")).containsExactly(
                        "Use a shared tool (e.g. Google Drive) for files.",
                        "The U.S. Government pays Dr. Smith, i.e. The Contractor.", "Staff earn 13 days.",
                        "Version 2.5 applies.");
    }

    @Test
    void linesAreUnitsAndListMarkersAreLeftOut() {
        assertThat(Sentences.split("# Leave\n- Staff earn 13 days\n- After 3 years: 20 days! Ask HR.\n1. First"))
                .containsExactly("Leave", "Staff earn 13 days", "After 3 years: 20 days!", "Ask HR.", "First");
    }

    @Test
    void spansPointAtTheirTextAndEndsRebuildALine() {
        String text = "- One thing. Another thing.";
        assertThat(Sentences.spans(text)).allSatisfy(span -> assertThat(text.substring(span.start(), span.end()))
                .isEqualTo(span.text()));
        String line = "One thing. Another thing. Third";
        assertThat(Sentences.ends(line)).containsExactly(11, 26, line.length());
    }
}
