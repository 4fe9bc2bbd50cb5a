-- Retrievals once marked memories accessed at whatever future time a request named, which kept their recency at 1
-- until the simulation's clock got there. Requests now name at most a day past the clock (AgentsAccess.MAX_AHEAD):
-- bring earlier marks back within it, never before the memory itself. A simulation whose clock is not finite (a
-- start before year 1 was once stored as -infinity) is left as it is.
UPDATE memories m
SET last_accessed_at = GREATEST(m.created_at, s.clock + interval '1 day')
FROM agents a JOIN simulations s ON s.id = a.simulation_id
WHERE m.agent_id = a.id AND isfinite(s.clock) AND m.last_accessed_at > s.clock + interval '1 day';
