-- A simulation belongs to the key that created it (key_id, like chat_sessions.key_id: the api_keys id, or 'admin' for
-- LORE_API_KEY); its agents, memories, steps and schedule belong to it with it. Only that key and administrators
-- see it, and a revoked key's simulations stop their schedules. Simulations made before owners existed have none
-- (NULL): only administrators see them.
ALTER TABLE simulations ADD COLUMN key_id text;
CREATE INDEX simulations_by_key ON simulations (key_id, created_at DESC);
