-- Generative agents (Park et al. 2023): simulations with their own clock, agents, and each agent's memory stream.
-- Simulation time has no zone: it is the simulation's own clock ('2026-02-13 07:00'), never the wall clock.
CREATE TABLE simulations (
    id                uuid        PRIMARY KEY,
    name              text        NOT NULL,
    starts_at         timestamp   NOT NULL,
    clock             timestamp   NOT NULL,
    step_minutes      int         NOT NULL CHECK (step_minutes > 0),
    step              bigint      NOT NULL DEFAULT 0,
    -- a Spring cron expression, kept for the scheduler that runs steps; NULL: steps only on request
    schedule          text,
    status            text        NOT NULL CHECK (status IN ('paused', 'running')),
    recency_weight    real        NOT NULL DEFAULT 1 CHECK (recency_weight >= 0),
    importance_weight real        NOT NULL DEFAULT 1 CHECK (importance_weight >= 0),
    relevance_weight  real        NOT NULL DEFAULT 1 CHECK (relevance_weight >= 0),
    created_at        timestamptz NOT NULL
);

CREATE TABLE agents (
    id                          uuid        PRIMARY KEY,
    simulation_id               uuid        NOT NULL REFERENCES simulations (id) ON DELETE CASCADE,
    name                        text        NOT NULL,
    traits                      text        NOT NULL DEFAULT '',
    location                    text        NOT NULL DEFAULT '',
    plan                        jsonb,
    -- summed importance of the memories stored since the last reflection; a reflection is due past the threshold
    importance_since_reflection real        NOT NULL DEFAULT 0,
    -- kept with each insert: retrieval picks exact scoring or bounded candidate pools by it without counting
    memory_count                bigint      NOT NULL DEFAULT 0,
    created_at                  timestamptz NOT NULL,
    UNIQUE (simulation_id, name)
);
CREATE INDEX agents_simulation_idx ON agents (simulation_id);

CREATE TABLE memories (
    id               uuid        PRIMARY KEY,
    agent_id         uuid        NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    kind             text        NOT NULL CHECK (kind IN ('observation', 'reflection', 'plan', 'chat')),
    text             text        NOT NULL CHECK (length(btrim(text)) > 0),
    embedding        vector(384) NOT NULL,
    created_at       timestamp   NOT NULL,
    last_accessed_at timestamp   NOT NULL,
    importance       real        NOT NULL CHECK (importance BETWEEN 1 AND 10),
    -- given | model (parsed integer) | logprobs (expectation over the rating tokens) | default (no usable rating)
    importance_from  text        NOT NULL,
    evidence         uuid[]      NOT NULL DEFAULT '{}',
    stored_at        timestamptz NOT NULL
);
CREATE INDEX memories_agent_created_idx ON memories (agent_id, created_at DESC);
-- a large stream's bounds (oldest and newest access, least and most important) and its candidate pools: the most
-- recently accessed memories of each importance level
CREATE INDEX memories_agent_accessed_idx ON memories (agent_id, last_accessed_at DESC);
CREATE INDEX memories_agent_importance_idx ON memories (agent_id, importance DESC);
CREATE INDEX memories_agent_standing_idx ON memories (agent_id, floor(importance), last_accessed_at DESC)
    INCLUDE (id, created_at, importance);
CREATE INDEX memories_embedding_idx ON memories USING hnsw (embedding vector_cosine_ops)
    WITH (m = 16, ef_construction = 64);
