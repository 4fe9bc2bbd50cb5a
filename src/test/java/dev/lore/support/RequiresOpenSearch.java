package dev.lore.support;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Skips a test class, saying why, when no OpenSearch node can be had for it (see {@link TestOpenSearch}). */
public class RequiresOpenSearch implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return TestOpenSearch.url() != null
                ? ConditionEvaluationResult.enabled("OpenSearch at " + TestOpenSearch.url())
                : ConditionEvaluationResult.disabled("No OpenSearch: " + TestOpenSearch.unavailable()
                        + " (LORE_TEST_OPENSEARCH_URL names a running node)");
    }
}
