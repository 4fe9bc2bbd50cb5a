package dev.lore.support;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Skips a test class, saying why, when neither {@code LORE_TEST_DB_URL} nor Docker gives it a database. */
public class RequiresDatabase implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return TestDatabase.connection() != null
                ? ConditionEvaluationResult.enabled("PostgreSQL + pgvector available")
                : ConditionEvaluationResult.disabled("No PostgreSQL: set LORE_TEST_DB_URL (./lore test does) "
                        + "or run a Docker engine for Testcontainers");
    }
}
