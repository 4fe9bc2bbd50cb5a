package dev.lore.documents.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HyphenationTests {

    @Test
    void aBrokenWordJoinsUnlessTheDocumentWritesItWithItsHyphen() {
        assertThat(Hyphenation.join("send the infor-\nmation on a Well-Known form, a well-\nknown one"))
                .isEqualTo("send the information on a Well-Known form, a well-known one");
    }

    @Test
    void onlyAWholeHyphenatedWordKeepsTheHyphen() {
        assertThat(Hyphenation.join("a first-rate-ish plan, a rate-\nish one, a firm-\nrate one"))
                .isEqualTo("a first-rate-ish plan, a rate-ish one, a firmrate one");
        assertThat(Hyphenation.join("unwell-known, a well-\nknown one")).isEqualTo("unwell-known, a wellknown one");
    }

    @Test
    void aHyphenBeforeACapitalOrADigitStays() {
        String text = "pre-\nCOVID and COVID-\n19";
        assertThat(Hyphenation.join(text)).isEqualTo(text);
    }
}
