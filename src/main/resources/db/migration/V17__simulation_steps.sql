-- Simulation steps that happen exactly once across instances and crashes.
--
-- db-scheduler's own table (its PostgreSQL definition for 16.x): one execution per scheduled simulation, picked by
-- one instance at a time and revived when the instance that picked it stops sending heartbeats.
CREATE TABLE scheduled_tasks (
    task_name            text                     NOT NULL,
    task_instance        text                     NOT NULL,
    task_data            bytea,
    execution_time       timestamp with time zone NOT NULL,
    picked               boolean                  NOT NULL,
    picked_by            text,
    last_success         timestamp with time zone,
    last_failure         timestamp with time zone,
    consecutive_failures int,
    last_heartbeat       timestamp with time zone,
    version              bigint                   NOT NULL,
    priority             smallint,
    PRIMARY KEY (task_name, task_instance)
);
CREATE INDEX scheduled_tasks_execution_time_idx ON scheduled_tasks (execution_time);
CREATE INDEX scheduled_tasks_last_heartbeat_idx ON scheduled_tasks (last_heartbeat);
CREATE INDEX scheduled_tasks_priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC);

-- Who is stepping a simulation now: a lease (token, instance, heartbeat in database time) that one stepper holds
-- at a time, whether a scheduled tick or a request; a lease whose heartbeat stopped is taken over. What operators
-- need to see: the last error, failures in a row (the schedule pauses past a limit), ticks skipped, the bill.
ALTER TABLE simulations
    ADD COLUMN stepping_token       uuid,
    ADD COLUMN stepping_by          text,
    ADD COLUMN stepping_since       timestamptz,
    ADD COLUMN stepping_heartbeat   timestamptz,
    ADD COLUMN last_error           text,
    ADD COLUMN last_error_at        timestamptz,
    ADD COLUMN consecutive_failures int         NOT NULL DEFAULT 0,
    ADD COLUMN paused_reason        text,
    ADD COLUMN skipped_ticks        bigint      NOT NULL DEFAULT 0,
    ADD COLUMN llm_calls            bigint      NOT NULL DEFAULT 0,
    ADD COLUMN prompt_tokens        bigint      NOT NULL DEFAULT 0,
    ADD COLUMN completion_tokens    bigint      NOT NULL DEFAULT 0;

-- What an agent is doing and what it saw last step: the next step perceives only what is new
ALTER TABLE agents
    ADD COLUMN action    text,
    ADD COLUMN perceived text[] NOT NULL DEFAULT '{}';

-- One row per step, never two: the key is the guarantee. A step's world (where every agent was and what it was
-- doing when the step began) is fixed with its row, so a step resumed by another instance perceives the same.
CREATE TABLE simulation_steps (
    simulation_id     uuid        NOT NULL REFERENCES simulations (id) ON DELETE CASCADE,
    step              bigint      NOT NULL CHECK (step > 0),
    clock             timestamp   NOT NULL,
    started_at        timestamptz NOT NULL,
    finished_at       timestamptz,
    started_by        text        NOT NULL,
    instance          text,
    runs              int         NOT NULL DEFAULT 1,
    world             jsonb       NOT NULL,
    events            jsonb,
    error             text,
    -- model use of the whole step: the agents' own plus calls made for all of them (one importance rating)
    shared_llm_calls         bigint NOT NULL DEFAULT 0,
    shared_prompt_tokens     bigint NOT NULL DEFAULT 0,
    shared_completion_tokens bigint NOT NULL DEFAULT 0,
    llm_calls         bigint,
    prompt_tokens     bigint,
    completion_tokens bigint,
    PRIMARY KEY (simulation_id, step)
);
-- steps run one after another: at most one unfinished step per simulation
CREATE UNIQUE INDEX simulation_steps_unfinished_idx ON simulation_steps (simulation_id) WHERE finished_at IS NULL;

-- An agent's part of a step, committed in the same transaction as its effects (memories, plan, place): a resumed
-- step skips the agents that have a row here, so nothing is applied twice.
CREATE TABLE simulation_step_agents (
    simulation_id     uuid        NOT NULL,
    step              bigint      NOT NULL,
    agent_id          uuid        NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    events            jsonb       NOT NULL,
    talked_with       uuid,
    instance          text        NOT NULL,
    finished_at       timestamptz NOT NULL,
    llm_calls         bigint      NOT NULL,
    prompt_tokens     bigint      NOT NULL,
    completion_tokens bigint      NOT NULL,
    PRIMARY KEY (simulation_id, step, agent_id),
    FOREIGN KEY (simulation_id, step) REFERENCES simulation_steps (simulation_id, step) ON DELETE CASCADE
);
CREATE INDEX simulation_step_agents_agent_idx ON simulation_step_agents (agent_id);
